"""Questionnaire definitions (``definitions/*.yaml``) and example filled workbooks (``examples/``)."""
