# -*- coding: utf-8 -*-

# Copyright: dbaudit.postgresql contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The retentions CloudWatch Logs accepts for a log group, once for every module and check that needs them.

PutRetentionPolicy refuses any other number of days with InvalidParameterException. "Never expire" is not a
number: it is the absence of a retention policy (DeleteRetentionPolicy), so 0 is not in the list.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

# Every value of PutRetentionPolicy's retentionInDays enum (AWS CloudWatch Logs API reference).
# The role argument specs repeat this list as `choices` (YAML cannot import it); a unit test keeps them equal.
ALLOWED_RETENTION_DAYS = (
    1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
)


def parse_retention_days(value):
    """The retention as an int when ``value`` is one CloudWatch Logs accepts (an int, or digits as a string
    as ``-e`` and surveys pass them); raises ValueError with a message saying what is allowed otherwise."""
    days = None
    if isinstance(value, int) and not isinstance(value, bool):
        days = value
    elif isinstance(value, str) and value.strip().lstrip("-").isdigit():
        days = int(value.strip())
    if days is None or days not in ALLOWED_RETENTION_DAYS:
        raise ValueError(
            "retention {0!r} is not one CloudWatch Logs accepts; give one of {1} days (never expire is the "
            "absence of a retention, not 0)".format(value, ", ".join(str(d) for d in ALLOWED_RETENTION_DAYS)))
    return days


def retention_days_problem(value):
    """None when ``value`` is an accepted retention; otherwise the message saying why not."""
    try:
        parse_retention_days(value)
    except ValueError as e:
        return str(e)
    return None
