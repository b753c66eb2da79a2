# -*- coding: utf-8 -*-

# Copyright: dbaudit.postgresql contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Report files written only when their content changes (audit_report, overhead_report): what is on disk now,
which files a run would change, writing those atomically, and the diff of each."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import hashlib
import os
import tempfile
from typing import Any
from typing import Dict
from typing import List
from typing import Optional
from typing import Tuple

# (path, content on disk or None when there is no file, content the report has now)
FileChange = Tuple[str, Optional[bytes], bytes]


def current_content(path: str) -> Optional[bytes]:
    """The file's bytes, None when there is no file. Any other error (a directory, no permission) is raised:
    the caller fails before it writes anything."""
    try:
        with open(path, "rb") as handle:
            return handle.read()
    except FileNotFoundError:
        return None


def changes(contents: Dict[str, bytes]) -> List[FileChange]:
    """The files whose content on disk differs from ``contents`` (path to bytes), in the order given."""
    found = []
    for path, content in contents.items():
        before = current_content(path)
        if before != content:
            found.append((path, before, content))
    return found


def write_changes(module: Any, output_dir: str, changed: List[FileChange]) -> None:
    """Write each changed file atomically (a reader never sees half a report), creating ``output_dir`` first.
    A new file gets the permissions the umask leaves, a replaced one keeps its own (AnsibleModule.atomic_move)."""
    if not changed:
        return
    os.makedirs(output_dir, exist_ok=True)
    for path, _before, content in changed:
        handle, temporary = tempfile.mkstemp(prefix=".%s." % os.path.basename(path), dir=os.path.dirname(path))
        try:
            with os.fdopen(handle, "wb") as stream:
                stream.write(content)
            module.atomic_move(temporary, path)
        finally:
            if os.path.exists(temporary):
                os.unlink(temporary)


def _shown(content: Optional[bytes]) -> str:
    if content is None:
        return ""
    try:
        return content.decode("utf-8")
    except UnicodeDecodeError:
        return "(binary, %d bytes, sha256 %s)\n" % (len(content), hashlib.sha256(content).hexdigest())


def diff(changed: List[FileChange]) -> List[Dict[str, str]]:
    """One before/after entry per changed file, as Ansible shows them with --diff; a binary file (the overhead
    chart) is shown as its size and checksum."""
    return [{"before_header": "%s%s" % (path, "" if before is not None else " (absent)"), "after_header": path,
             "before": _shown(before), "after": _shown(after)} for path, before, after in changed]
