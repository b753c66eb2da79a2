# -*- coding: utf-8 -*-

# Copyright: dbaudit.postgresql contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Pure pgAudit knowledge: the catalog of its settings (type, default, the version that added
each), values normalised the way PostgreSQL and pgAudit read them, validation of what a user asks
for, and the plan that turns stored settings into wanted ones.

PostgreSQL stores ``ALTER ROLE ... SET`` values exactly as written (``pgaudit.log=DDL, role``), so
comparisons go through :func:`normalize`: ``'DDL, role'`` equals ``['role', 'ddl']`` and ``Of``
equals ``false``. Nothing here talks to a database.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re
from collections import OrderedDict
from typing import Any
from typing import Dict
from typing import FrozenSet
from typing import Iterable
from typing import List
from typing import Optional
from typing import Set
from typing import Tuple

PREFIX = "pgaudit."
EXTENSION = "pgaudit"

# The classes pgaudit.log names; ALL sets every one, NONE sets nothing, "-x" clears x.
LOG_CLASSES = ("read", "write", "function", "role", "ddl", "misc", "misc_set")
CLASS_WORDS = LOG_CLASSES + ("all", "none")
CLASS_SINCE = {"misc_set": (1, 4)}

# pgaudit.log_level: pgAudit refuses error, fatal and panic (an audit entry must not end a session).
LOG_LEVELS = ("debug1", "debug2", "debug3", "debug4", "debug5", "info", "notice", "warning", "log")
LEVEL_ALIASES = {"debug": "debug2"}
REFUSED_LOG_LEVELS = ("error", "fatal", "panic")

MAX_PARAMETER_SIZE = 1073741823
_BYTE_UNITS = {"b": 1, "kb": 1024, "mb": 1024 ** 2, "gb": 1024 ** 3, "tb": 1024 ** 4}
_SIZE = re.compile(r"^\s*(\d+)\s*([kKmMgGtT]?[bB])?\s*$")
_VERSION = re.compile(r"^\s*(\d+)(?:\.(\d+))?(?:\.(\d+))?")


class Setting(object):
    """One pgAudit setting: its short name (``log``), value kind, default and first version."""

    def __init__(self, name: str, kind: str, default: Any, since: Tuple[int, ...] = (1, 0),
                 parameter_group: bool = True, description: str = "") -> None:
        self.name = name
        self.kind = kind  # classes, bool, int, level, role
        self.default = default
        self.since = since
        self.parameter_group = parameter_group
        self.description = description

    @property
    def full_name(self) -> str:
        return PREFIX + self.name


SETTINGS = OrderedDict((s.name, s) for s in (
    Setting("log", "classes", "none", description="statement classes session auditing logs"),
    Setting("log_catalog", "bool", True, description="log statements whose relations are all in pg_catalog"),
    Setting("log_client", "bool", False, parameter_group=False, description="send audit messages to the client"),
    Setting("log_level", "level", "log", description="log level of audit entries"),
    Setting("log_parameter", "bool", False, description="log the statement's parameters"),
    Setting("log_parameter_max_size", "int", 0, since=(16, 0), parameter_group=False,
            description="longest parameter (bytes) logged, 0 for no limit"),
    Setting("log_relation", "bool", False, description="one entry per relation of a SELECT or DML statement"),
    Setting("log_rows", "bool", False, since=(1, 6), parameter_group=False,
            description="log the rows a statement retrieved or changed"),
    Setting("log_statement", "bool", True, since=(1, 6), parameter_group=False,
            description="log the statement text"),
    Setting("log_statement_once", "bool", False, description="statement text on the first entry of a statement only"),
    Setting("role", "role", "", description="master role of object auditing"),
))


# Names ---------------------------------------------------------------------------------------

def short_name(name: Any) -> str:
    """``pgaudit.Log`` and ``log`` both as ``log`` (GUC names are case-insensitive)."""
    text = str(name).strip().lower()
    return text[len(PREFIX):] if text.startswith(PREFIX) else text


def full_name(name: str) -> str:
    return PREFIX + short_name(name)


def is_pgaudit_name(name: str) -> bool:
    """Whether a stored GUC name is in pgAudit's namespace (known to us or not)."""
    return str(name).strip().lower().startswith(PREFIX)


# Versions ------------------------------------------------------------------------------------

def parse_version(text: Any) -> Optional[Tuple[int, ...]]:
    """``'1.7'`` as ``(1, 7)``, ``'16.0'`` as ``(16, 0)``, ``'1.7.1'`` as ``(1, 7, 1)``; None when unreadable."""
    if text is None:
        return None
    match = _VERSION.match(str(text))
    if not match:
        return None
    return tuple(int(part) for part in match.groups() if part is not None)


def version_text(version: Optional[Tuple[int, ...]]) -> str:
    return ".".join(str(part) for part in version) if version else "unknown"


def supported(setting_name: str, version: Optional[Tuple[int, ...]]) -> bool:
    """Whether pgAudit ``version`` has the setting (an unknown version is given the benefit of the doubt)."""
    setting = SETTINGS[short_name(setting_name)]
    return version is None or tuple(version) >= setting.since


# Values --------------------------------------------------------------------------------------

def parse_bool(value: Any) -> bool:
    """A boolean as PostgreSQL's parse_bool reads it: on/off, true/false, yes/no, 1/0 and any
    unambiguous prefix (``t``, ``ye``, ``of``), case-insensitive. Raises ValueError otherwise."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        if value in (0, 1):
            return bool(value)
        raise ValueError("%r is not a boolean" % (value,))
    text = str(value).lower() if isinstance(value, str) else None
    if not text:
        raise ValueError("%r is not a boolean" % (value,))
    if text in ("1", "0"):
        return text == "1"
    if text[0] == "o":
        if len(text) >= 2 and "on".startswith(text):
            return True
        if len(text) >= 2 and "off".startswith(text):
            return False
        raise ValueError("%r is not a boolean" % (value,))
    for word, meaning in (("true", True), ("false", False), ("yes", True), ("no", False)):
        if word.startswith(text):
            return meaning
    raise ValueError("%r is not a boolean" % (value,))


def split_classes(value: Any) -> List[str]:
    """pgaudit.log as its tokens, lower case, in order: ``'DDL, -Misc'`` -> ``['ddl', '-misc']``.

    Accepts a comma string or a list (whose items may themselves be comma strings). Raises
    ValueError for an unknown class or list syntax pgAudit would refuse (``'- misc'``, ``'a,'``)."""
    if isinstance(value, (list, tuple)):
        items: List[str] = []
        for item in value:
            if not isinstance(item, str) or not item.strip():
                raise ValueError("%r is not a class name" % (item,))
            items.extend(split_classes(item))
        return items
    if not isinstance(value, str):
        raise ValueError("%r is neither a comma-separated string nor a list of classes" % (value,))
    if not value.strip():
        return []
    tokens = []
    for raw in value.split(","):
        token = raw.strip()
        if token.startswith('"') and token.endswith('"') and len(token) >= 2:
            token = token[1:-1]
        token = token.lower()
        word = token[1:] if token.startswith("-") else token
        if not word or word != word.strip() or any(ch.isspace() for ch in word):
            raise ValueError("%r is not valid list syntax (classes separated by commas, '-class' to exclude)"
                             % (value,))
        if word not in CLASS_WORDS:
            raise ValueError("unknown class %r in %r (classes: %s; '-class' excludes one)"
                             % (raw.strip(), value, ", ".join(CLASS_WORDS)))
        tokens.append(token)
    return tokens


def effective_classes(tokens: Iterable[str]) -> FrozenSet[str]:
    """The classes a token list audits, applied in order as pgAudit does: ``['all', '-misc']``
    audits every class but MISC; ``none`` adds nothing; ``-all`` clears everything before it."""
    classes: Set[str] = set()
    for token in tokens:
        exclude = token.startswith("-")
        word = token[1:] if exclude else token
        members = set(LOG_CLASSES) if word == "all" else set() if word == "none" else {word}
        if exclude:
            classes -= members
        else:
            classes |= members
    return frozenset(classes)


def parse_level(value: Any) -> str:
    """pgaudit.log_level in lower case (``debug`` is ``debug2``); ValueError for error/fatal/panic or junk."""
    if not isinstance(value, str):
        raise ValueError("%r is not a log level" % (value,))
    level = value.lower()
    level = LEVEL_ALIASES.get(level, level)
    if level in REFUSED_LOG_LEVELS:
        raise ValueError("log level %r is refused by pgAudit (it would end the session); use one of %s"
                         % (value, ", ".join(LOG_LEVELS)))
    if level not in LOG_LEVELS:
        raise ValueError("unknown log level %r (levels: debug, %s)" % (value, ", ".join(LOG_LEVELS)))
    return level


def parse_size(value: Any, strict: bool = True) -> int:
    """pgaudit.log_parameter_max_size in bytes. A user gives an integer; a stored value may carry a
    unit (``1kB``), which PostgreSQL would have accepted, so ``strict=False`` reads units too."""
    if isinstance(value, bool):
        raise ValueError("%r is not an integer" % (value,))
    if isinstance(value, int):
        number = value
    elif isinstance(value, str):
        match = _SIZE.match(value)
        if not match or (strict and match.group(2)):
            raise ValueError("%r is not an integer number of bytes" % (value,))
        number = int(match.group(1)) * _BYTE_UNITS[(match.group(2) or "b").lower()]
    else:
        raise ValueError("%r is not an integer" % (value,))
    if number < 0 or number > MAX_PARAMETER_SIZE:
        raise ValueError("%r is out of range (0 to %d bytes)" % (value, MAX_PARAMETER_SIZE))
    return number


def parse_role(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError("%r is not a role name" % (value,))
    return value


def normalize(name: str, value: Any, strict: bool = True) -> Any:
    """A comparable form of a value of setting ``name``: a frozenset of classes for ``log``, a bool,
    an int, a level or a role name. Raises ValueError for a value PostgreSQL/pgAudit would refuse."""
    kind = SETTINGS[short_name(name)].kind
    if kind == "classes":
        return effective_classes(split_classes(value))
    if kind == "bool":
        return parse_bool(value)
    if kind == "int":
        return parse_size(value, strict=strict)
    if kind == "level":
        return parse_level(value)
    return parse_role(value)


def render(name: str, value: Any) -> Any:
    """The value to write for setting ``name``: classes in the user's order, lower case, comma-joined
    (order matters with exclusions); booleans as on/off; a level in lower case; an int; a role as given."""
    kind = SETTINGS[short_name(name)].kind
    if kind == "classes":
        return ",".join(split_classes(value))
    if kind == "bool":
        return "on" if parse_bool(value) else "off"
    if kind == "int":
        return parse_size(value)
    if kind == "level":
        parse_level(value)
        return value.lower()
    return parse_role(value)


def same_value(name: str, stored: Any, wanted: Any) -> bool:
    """Whether a stored value already means the wanted one. An unreadable stored value never does."""
    try:
        return normalize(name, stored, strict=False) == normalize(name, wanted)
    except ValueError:
        return False


def describe(name: str, value: Any) -> Dict[str, Any]:
    """A stored value as the info module reports it: the raw text plus its parsed meaning."""
    short = short_name(name)
    entry: Dict[str, Any] = {"value": value}
    if short not in SETTINGS:
        entry["known"] = False
        return entry
    entry["known"] = True
    try:
        parsed = normalize(short, value, strict=False)
    except ValueError as e:
        entry["error"] = str(e)
        return entry
    if SETTINGS[short].kind == "classes":
        entry["classes"] = [c for c in LOG_CLASSES if c in parsed]
    else:
        entry["parsed"] = parsed
    return entry


# Validation ----------------------------------------------------------------------------------

def validate_settings(settings: Dict[str, Any], version: Optional[Tuple[int, ...]] = None,
                      library_settings: Optional[Iterable[str]] = None,
                      label: str = "settings") -> Tuple[Dict[str, Any], List[str]]:
    """Check what a user asked for; return ``({short name: value to write}, [errors])``.

    Each error names the input (``settings.logg``) and what is wrong with it: an unknown name
    (PostgreSQL would silently accept ``pgaudit.logg``), a value of the wrong type or an unknown
    class, a refused log level, or a setting/class that pgAudit ``version`` does not have.
    ``library_settings`` (the pgaudit.* names the loaded library defines, when known) confirms the last."""
    wanted: Dict[str, Any] = OrderedDict()
    errors: List[str] = []
    loaded = None if library_settings is None else set(short_name(n) for n in library_settings)
    seen: Dict[str, str] = {}
    for given, value in (settings or {}).items():
        where = "%s.%s" % (label, given)
        short = short_name(given)
        if short not in SETTINGS:
            errors.append("%s: unknown pgAudit setting %r (known: %s)" % (where, full_name(given), ", ".join(SETTINGS)))
            continue
        if short in seen:
            errors.append("%s: %s is also given as %r" % (where, full_name(short), seen[short]))
            continue
        seen[short] = str(given)
        setting = SETTINGS[short]
        if not supported(short, version) or (loaded is not None and short not in loaded):
            errors.append("%s: %s needs pgAudit %s or later; this server has pgAudit %s"
                          % (where, setting.full_name, version_text(setting.since), version_text(version)))
            continue
        if value is None:
            errors.append("%s: no value given for %s" % (where, setting.full_name))
            continue
        try:
            wanted[short] = render(short, value)
        except ValueError as e:
            errors.append("%s: invalid value for %s: %s" % (where, setting.full_name, e))
            continue
        if setting.kind == "classes" and version is not None:
            for token in split_classes(value):
                word = token.lstrip("-")
                if version < CLASS_SINCE.get(word, (0,)):
                    errors.append("%s: class %r needs pgAudit %s or later; this server has pgAudit %s"
                                  % (where, word, version_text(CLASS_SINCE[word]), version_text(version)))
                    wanted.pop(short, None)
    return wanted, errors


def validate_names(names: Iterable[Any], label: str = "settings") -> Tuple[List[str], List[str]]:
    """For ``state=absent``: the short names to reset, and errors for names that are not pgAudit's."""
    shorts: List[str] = []
    errors: List[str] = []
    for given in names or []:
        short = short_name(given)
        if short not in SETTINGS:
            errors.append("%s: unknown pgAudit setting %r (known: %s)"
                          % (label, full_name(given), ", ".join(SETTINGS)))
        elif short not in shorts:
            shorts.append(short)
    return shorts, errors


# Stored settings and the plan ----------------------------------------------------------------

def parse_setconfig(setconfig: Optional[Iterable[str]]) -> Dict[str, str]:
    """``pg_db_role_setting.setconfig`` (``['pgaudit.log=ddl', 'work_mem=64MB']``) as a dict."""
    stored: Dict[str, str] = OrderedDict()
    for entry in setconfig or []:
        name, _sep, value = str(entry).partition("=")
        stored[name] = value
    return stored


def pgaudit_entries(stored: Dict[str, Any]) -> Dict[str, Any]:
    """The pgaudit.* entries of stored settings, keyed by short name (the rest is never touched)."""
    return OrderedDict((short_name(n), v) for n, v in stored.items() if is_pgaudit_name(n))


def plan_changes(stored: Dict[str, Any], wanted: Dict[str, Any], state: str = "present",
                 reset_unspecified: bool = False) -> List[Tuple[str, str, Any]]:
    """What to run at one target: ``[('set', 'log', 'ddl,role'), ('reset', 'log_client', None)]``.

    ``stored`` holds the target's current pgaudit entries by short name; ``wanted`` the validated
    values (present) or the names to reset (absent: values ignored). With ``reset_unspecified``,
    every other pgaudit.* entry at the target is reset too; entries outside pgAudit never are."""
    actions: List[Tuple[str, str, Any]] = []
    if state == "absent":
        # Nothing named, or reset_unspecified: every pgaudit.* entry of the target goes.
        names = list(wanted) if wanted and not reset_unspecified else list(stored)
        return [("reset", name, None) for name in names if name in stored]
    for name, value in wanted.items():
        if name not in stored or not same_value(name, stored[name], value):
            actions.append(("set", name, value))
    if reset_unspecified:
        for name in stored:
            if name not in wanted:
                actions.append(("reset", name, None))
    return actions


def apply_plan(stored: Dict[str, Any], actions: List[Tuple[str, str, Any]]) -> Dict[str, Any]:
    """The pgaudit entries a target holds once ``actions`` ran (for diff and check mode)."""
    after = OrderedDict(stored)
    for verb, name, value in actions:
        if verb == "set":
            after[name] = str(value)
        else:
            after.pop(name, None)
    return after


def preload_libraries(value: Optional[str]) -> List[str]:
    """``SHOW shared_preload_libraries`` (``'pg_stat_statements, "pgaudit"'``) as a list of names."""
    names = []
    for part in str(value or "").split(","):
        name = part.strip().strip('"').strip()
        if name:
            names.append(name)
    return names


def is_preloaded(value: Optional[str]) -> bool:
    return EXTENSION in [name.lower() for name in preload_libraries(value)]
