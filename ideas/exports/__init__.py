"""Dossier exports: workshop dossier, council submission (Beschlussvorlage) and open data.

`services` starts, runs and finishes export jobs (`ideas.models.DossierExport`); `selectors`
reads the proposals with a fixed number of queries; one builder module per output format.
"""
