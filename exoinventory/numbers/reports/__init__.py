"""The reports of DESIGN.md "Pages": one module per report, each answering
HTML, CSV and JSON from its selector's rows through reports.base."""
