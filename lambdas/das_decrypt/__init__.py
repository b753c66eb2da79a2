"""das_decrypt Lambda function (handler ``das_decrypt.handler.handler``); see handler.py and config.py."""
