# -*- coding: utf-8 -*-

# Copyright: dbaudit.postgresql contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""One refusal for every module: a problem with the input or the target, found before any change.

A module raises :class:`Refusal` from anywhere below ``main()`` and renders it with :func:`fail_refusal`, so that
every refusal reads the same way to a user: ``msg`` (one sentence that says nothing was changed where that matters),
``reasons`` (each problem on its own) and ``changed=False``, plus any module-specific keys given as ``details``.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from typing import Any
from typing import Dict
from typing import List
from typing import Optional


class Refusal(Exception):
    """Raised before any change when the input or the target's state cannot be acted on."""

    def __init__(self, message: str, reasons: Optional[List[str]] = None, **details: Any):
        super().__init__(message)
        self.message = message
        self.reasons = list(reasons) if reasons else [message]
        self.details: Dict[str, Any] = details


def fail_refusal(module, refusal: Refusal) -> None:
    """Fail ``module`` with the refusal: ``msg``, ``reasons``, ``changed=False`` and the refusal's details."""
    module.fail_json(msg=refusal.message, reasons=refusal.reasons, changed=False, **refusal.details)
