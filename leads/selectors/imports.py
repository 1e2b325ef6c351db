"""Reads of lead imports: one import, the recent ones, and their rejected rows (for the page and
as a file)."""

from django.shortcuts import get_object_or_404

from crm.kit import csv_files
from crm.models import Tenant
from leads.models import LeadImport


def lead_import_rejected_rows(*, lead_import: LeadImport, limit: int) -> list[dict]:
    """The first rejected rows for the page: line, reasons, and the cells that had something in
    them, named by their column."""
    headers = lead_import.report["headers"]
    return [
        {
            "line": entry["line"],
            "reasons": entry["reasons"],
            "cells": [
                (headers[index] if index < len(headers) else f"Column {index + 1}", cell)
                for index, cell in enumerate(entry["cells"])
                if cell.strip()
            ],
        }
        for entry in lead_import.report.get("rejected", [])[:limit]
    ]


def lead_import_get(*, tenant: Tenant, lead_import_id: int) -> LeadImport:
    imports = LeadImport.objects.filter(tenant=tenant).select_related(
        "pipeline", "source", "uploaded_by"
    )
    return get_object_or_404(imports, pk=lead_import_id)


def lead_imports_recent(*, tenant: Tenant, limit: int = 10) -> list[LeadImport]:
    imports = LeadImport.objects.filter(tenant=tenant).select_related("pipeline", "uploaded_by")
    return list(imports.defer("content", "report").order_by("-created_at")[:limit])


def rejected_rows_csv(lead_import: LeadImport) -> str:
    """The rejected rows with their line and reasons, ready to fix and import again (UTF-8 with
    a byte-order mark, so Excel reads accents right)."""
    report = lead_import.report
    return csv_files.rejected_rows_csv(headers=report["headers"], rejected=report["rejected"])
