# -*- coding: utf-8 -*-

# Copyright: dbaudit.postgresql contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The base of this collection's AWS modules: amazon.aws's module, stamped with our name, with the collection's
one way of failing (:meth:`DbauditAWSModule.run`)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.amazon.aws.plugins.module_utils.common import set_collection_info
from ansible_collections.amazon.aws.plugins.module_utils.exceptions import AnsibleAWSError
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.dbaudit.postgresql.plugins.module_utils.refusal import fail_refusal
from ansible_collections.dbaudit.postgresql.plugins.module_utils.refusal import Refusal

COLLECTION_NAME = "dbaudit.postgresql"
COLLECTION_VERSION = "0.1.0"


class DbauditAWSModule(AnsibleAWSModule):
    """AnsibleAWSModule whose boto3 user agent names dbaudit.postgresql and its version."""

    def __init__(self, **kwargs):
        super(DbauditAWSModule, self).__init__(**kwargs)
        set_collection_info(collection_name=COLLECTION_NAME, collection_version=COLLECTION_VERSION)

    def _should_inject_warnings(self):
        # amazon.aws 10.x passes module.warn() messages again as exit_json(warnings=...) on ansible-core 2.19+,
        # which core deprecates: each warning came with a [DEPRECATION WARNING] of its own. Core already
        # returns what warn() recorded, on every version this collection supports.
        return False

    def run(self, action) -> None:
        """``action(module)``, failing the way every AWS module of the collection does: a :class:`Refusal`
        (found before any change) with ``fail_refusal``, an AWS error (``aws_errors``: the call and the resource
        in the message, the botocore error beside it) with ``fail_json_aws_error``."""
        try:
            action(self)
        except Refusal as refusal:
            fail_refusal(self, refusal)
        except AnsibleAWSError as error:
            self.fail_json_aws_error(error)
