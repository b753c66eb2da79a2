# -*- coding: utf-8 -*-

# Copyright: dbaudit.postgresql contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The one error path of this collection's AWS calls.

Each API call is a small function decorated by :class:`AWSErrors` (amazon.aws's ``AWSErrorHandler``), so that a
failure reads ``Failed to <description>`` with the call's own arguments filled in (``{name}`` in the description
takes the ``name`` argument of the call) and carries the botocore error for ``fail_json_aws_error``. A service
whose describe or delete of nothing answers with an error code says so in one line::

    IAMErrors = AWSErrors.variant(missing_codes=("NoSuchEntity",))

and :meth:`AWSErrors.list_error_handler` then returns the default value on those codes,
:meth:`AWSErrors.deletion_error_handler` returns False.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import functools
import inspect
from typing import Any
from typing import Dict
from typing import Optional
from typing import Tuple

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.errors import AWSErrorHandler
from ansible_collections.amazon.aws.plugins.module_utils.exceptions import AnsibleAWSError


def filled(description: str, signature: inspect.Signature, args: tuple, kwargs: dict) -> str:
    """``description`` with the call's arguments in place of ``{argument}``; as is when one does not fit."""
    try:
        bound = signature.bind(*args, **kwargs)
        bound.apply_defaults()
        return description.format(**bound.arguments)
    except (KeyError, IndexError, TypeError, ValueError):
        return description


class AWSErrors(AWSErrorHandler):
    """AWSErrorHandler whose descriptions name what the call was about, and whose "not there" is a tuple of codes."""

    _CUSTOM_EXCEPTION = AnsibleAWSError
    missing_codes: Tuple[str, ...] = ()

    @classmethod
    def _is_missing(cls):
        if cls.missing_codes:
            return is_boto3_error_code(list(cls.missing_codes))
        return super(AWSErrors, cls)._is_missing()

    @classmethod
    def common_error_handler(cls, description):
        """amazon.aws's handler, with ``description`` filled from the decorated call's arguments."""
        base = super(AWSErrors, cls).common_error_handler

        def wrapper(func):
            @functools.wraps(func)
            def handler(*args, **kwargs):
                # The signature of ``handler``, read at call time, is the decorated call's: amazon.aws's list and
                # deletion handlers pass a ``(*args, **kwargs)`` function here, then point ``__wrapped__`` at theirs.
                what = filled(description, inspect.signature(handler), args, kwargs)
                return base(what)(func)(*args, **kwargs)

            return handler

        return wrapper

    @classmethod
    def variant(cls, missing_codes: Optional[Tuple[str, ...]] = None, exception: Optional[type] = None):
        """This handler with other codes meaning "not there" and/or another exception class: a service's
        handler in one line (``FirehoseErrors = AWSErrors.variant(("ResourceNotFoundException",))``), or one
        call's."""
        overrides: Dict[str, Any] = {}
        if missing_codes is not None:
            overrides["missing_codes"] = tuple(missing_codes)
        if exception is not None:
            overrides["_CUSTOM_EXCEPTION"] = exception
        return type(cls.__name__, (cls,), overrides)
