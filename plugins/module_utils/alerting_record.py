# -*- coding: utf-8 -*-

# Copyright: dbaudit.postgresql contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""What an alerting pipeline was last made from, recorded on its Lambda function.

An alerting role (das_alerting, pgaudit_alerting) ends by tagging its function with the fingerprint of its inputs:
the role's options (without the per-host ones), the code of the roles that build the pipeline and the manifest of
the shipped Lambda zips. enable_audit reads the tag in its fleet read (one GetFunction per pipeline): a host whose
own fingerprint equals its pipeline's record has nothing to apply to the pipeline's pieces, so the alerting plays
leave it out, and a converged fleet costs no alerting module process at all. A missing function or tag, or any
changed input or code, differs, and the pipeline is applied again."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import hashlib
import json
from typing import Any
from typing import Dict
from typing import List
from typing import Mapping
from typing import Optional

from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry

from ansible_collections.dbaudit.postgresql.plugins.module_utils.aws_errors import AWSErrors

# The tag key on the function. Its value is the hex sha256 of the inputs (64 characters, within Lambda's 256).
FINGERPRINT_TAG = "dbaudit:inputs-sha256"
# Role options left out of the fingerprint: the per-host ones (they name the host's own cluster or log group, not the
# pipeline), and the deprecated ones that have no effect (setting them changes nothing, so nothing is applied again;
# the activity stream key options are set per host where clusters use different keys).
PER_HOST_OPTIONS = ("dbaudit_cluster_id", "dbaudit_pgaudit_alerting_target", "dbaudit_das_alerting_prune_clusters",
                    "dbaudit_das_kms_key_id", "dbaudit_das_key_alias")


def code_digest(texts: Optional[List[str]] = None) -> str:
    """The hex sha256 of the code texts, in their order: the part of a fingerprint that is the same for every host,
    computed once per run (the alerting roles' tasks/fingerprint.yml)."""
    return hashlib.sha256(json.dumps(list(texts or []), separators=(",", ":")).encode("utf-8")).hexdigest()


def fingerprint(values: Dict[str, Any], texts: Optional[List[str]] = None, code: Optional[str] = None) -> str:
    """The hex sha256 of the option values and of the code, in a form independent of dict order. The code is given
    as its texts, or as their code_digest (``code``): both give the same fingerprint."""
    if code is None:
        code = code_digest(texts)
    canonical = json.dumps({"values": dict((k, v) for k, v in values.items() if k not in PER_HOST_OPTIONS),
                            "code": code}, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


LambdaErrors = AWSErrors.variant(missing_codes=("ResourceNotFoundException",))


@LambdaErrors.list_error_handler("read Lambda function {name}", None)
@AWSRetry.jittered_backoff()
def read_function(lambda_client, name: str) -> Optional[Dict[str, Any]]:
    """GetFunction (configuration and tags); None when there is no such function."""
    return lambda_client.get_function(FunctionName=name)


def recorded_fingerprint(lambda_client, name: str, calls: Dict[str, int]) -> Dict[str, Any]:
    """``{"exists": bool, "fingerprint": str or None}`` of one function, from one GetFunction (which returns its
    tags). A missing function is reported, not raised."""
    calls["get_function"] = calls.get("get_function", 0) + 1
    found = read_function(lambda_client, name)
    if found is None:
        return {"exists": False, "fingerprint": None}
    return {"exists": True, "fingerprint": (found.get("Tags") or {}).get(FINGERPRINT_TAG)}


# The alerting roles, by the policy key that turns each on (audit_report's and enable_audit's fleet entries).
ALERTING = ("pgaudit_alerting", "das_alerting")


def alerting_apply(hosts: List[str], enabled: Dict[str, Dict[str, bool]], functions: Dict[str, Dict[str, str]],
                   fingerprints: Dict[str, Dict[str, Optional[str]]], recorded: Dict[str, Dict[str, Any]],
                   rolled_out: List[str], full_run: bool = False) -> Dict[str, Any]:
    """Which hosts each alerting role is applied to: of the hosts given (those that passed preflight) with the
    alerting on, the ones rolled out, and the ones whose own fingerprint differs from what their pipeline's function
    records (every host on a first run, a change of input or code, a missing function); all of them on a full run.
    ``reasons`` says why, per host, for the ones that are not rolled out anyway."""
    rolled = set(rolled_out)
    apply = dict((alerting, []) for alerting in ALERTING)  # type: Dict[str, List[str]]
    reasons = {}  # type: Dict[str, List[str]]
    for host in hosts:
        for alerting in ALERTING:
            if not (enabled.get(host) or {}).get(alerting):
                continue
            function = (functions.get(host) or {}).get(alerting)
            record = recorded.get(function) or {}
            own = (fingerprints.get(host) or {}).get(alerting)
            if full_run or host in rolled:
                apply[alerting].append(host)
            elif not record.get("exists"):
                apply[alerting].append(host)
                reasons.setdefault(host, []).append("%s: function %s does not exist" % (alerting, function))
            elif own is None or record.get("fingerprint") != own:
                apply[alerting].append(host)
                reasons.setdefault(host, []).append(
                    "%s: function %s was made from other inputs (recorded %s, this host's %s)"
                    % (alerting, function, (record.get("fingerprint") or "none")[:12], (own or "none")[:12]))
    return {"hosts": apply, "reasons": reasons}


def own_option_values(own: Mapping, names: List[str]) -> Dict[str, Any]:
    """The role options (of ``names``, in their order) a host sets itself (``own``: its hostvars, which hold no role
    default), less the per-host ones: what groups hosts into sets of alike inputs, and names what differs."""
    return dict((name, own[name]) for name in names if name not in PER_HOST_OPTIONS and name in own)


def option_conflicts(hosts: List[str], enabled: Dict[str, Dict[str, bool]], functions: Dict[str, Dict[str, str]],
                     fingerprints: Dict[str, Dict[str, Optional[str]]], own_values: Any) -> List[str]:
    """The pipelines whose hosts give the alerting role's options different values, one sentence each. One function
    is made from one set of values (the first host of a play applies them), so such a pipeline would be applied
    again on every run, each time from another host's values. ``own_values(host, role)``: the options that host sets
    itself (the inventory's, for naming the ones that differ); hosts without a fingerprint are not compared."""
    conflicts = []
    for alerting in ALERTING:
        by_function = {}  # type: Dict[str, Dict[str, List[str]]]
        for host in hosts:
            own = (fingerprints.get(host) or {}).get(alerting)
            if (enabled.get(host) or {}).get(alerting) and own is not None:
                function = (functions.get(host) or {}).get(alerting)
                by_function.setdefault(function, {}).setdefault(own, []).append(host)
        for function, sets in sorted(by_function.items()):
            if len(sets) < 2:
                continue
            groups = sorted(sets.values())
            values = [own_values(group[0], alerting) for group in groups]
            names = sorted(set(name for one in values for name in one
                               if any(other.get(name, one.get(name)) != one.get(name) or name not in other
                                      for other in values)))
            conflicts.append(
                "%s: the hosts of function %s give the role's options different values (%s), so each run would "
                "apply it again from another host's; give them the same values, or another pipeline name: %s"
                % (alerting, function, ", ".join(names) or "defaults templated differently",
                   " / ".join(", ".join(group[:3]) + (" and %d more" % (len(group) - 3) if len(group) > 3 else "")
                              for group in groups)))
    return conflicts


def same_inputs(hosts: List[str], hostvars: Mapping, alerting: Mapping,
                option_names: Dict[str, List[str]]) -> Dict[str, Any]:
    """Which host's fingerprint stands for which, per alerting role: of the hosts with that alerting on, each set of
    hosts that give the role's options the same own values (what the inventory and facts set; hostvars hold no role
    default) has one fingerprint, that of its first host. A role default templates only other options, environment
    lookups or the per-host options (tests/unit/plugins/module_utils/test_alerting_record.py checks it), so hosts that
    set the same options to the same values get the same values everywhere. ``representatives``: role to host to the
    host fingerprinted for it; ``fingerprinted``: host to the roles it is fingerprinted for."""
    representatives = dict((role, {}) for role in ALERTING)  # type: Dict[str, Dict[str, str]]
    fingerprinted = {}  # type: Dict[str, List[str]]
    for role in ALERTING:
        first = {}  # type: Dict[str, str]
        for host in hosts:
            if not (alerting.get(host) or {}).get(role):
                continue
            own = own_option_values(hostvars[host], option_names[role])
            key = json.dumps([[name, value] for name, value in own.items()], sort_keys=True, default=str)
            if key not in first:
                first[key] = host
                fingerprinted.setdefault(host, []).append(role)
            representatives[role][host] = first[key]
    return {"representatives": representatives, "fingerprinted": fingerprinted}
