"""The registry of personal data (crm.privacy): every text field of every model that reaches a
contact is declared erased or kept by its app, the declarations name real fields, and the
export's sections are each app's own, in one order."""

import dataclasses

import pytest
from django.core.exceptions import ImproperlyConfigured

from crm.models import Contact
from crm.privacy import (
    BLANK,
    declaration_mistakes,
    export_kinds,
    models_reaching_contacts,
    personal_models,
    undeclared_personal_fields,
)
from crm.services.erasure import CORE_FIGURES, report_figures
from portal.services import data_export
from tickets.models import TicketAttachment, TicketMessage


def _without(declarations, model):
    return [declared for declared in declarations if declared.model != model]


def _changed(declarations, model, **changes):
    return [
        dataclasses.replace(declared, **changes) if declared.model == model else declared
        for declared in declarations
    ]


class TestDeclarations:
    def test_every_text_field_that_reaches_a_contact_is_declared_erased_or_kept(self):
        assert undeclared_personal_fields(personal_models()) == []

    def test_the_declarations_name_real_models_fields_and_paths(self):
        assert declaration_mistakes(personal_models()) == []

    def test_the_figures_they_count_are_the_reports(self):
        counted = {declared.counted_as for declared in personal_models() if declared.counted_as}
        assert counted == set(report_figures()) - set(CORE_FIGURES)
        assert {"outbound_messages", "ticket_messages", "documents_deleted"} <= counted

    def test_the_walk_follows_foreign_keys_to_the_contact(self):
        reached = models_reaching_contacts()
        assert reached[Contact] == ""
        assert reached[TicketMessage] == "ticket__contact"
        assert reached[TicketAttachment] == "message__ticket__contact"

    def test_a_model_left_undeclared_is_reported_with_where_to_declare_it(self):
        problems = undeclared_personal_fields(_without(personal_models(), "leads.Payment"))
        assert problems == [
            "leads.Payment.reference reaches a contact (lead__contact) but is declared neither"
            " erased nor kept: declare it in leads/personal_data.py"
        ]

    def test_a_field_left_out_is_reported(self):
        lead = next(d for d in personal_models() if d.model == "leads.Lead")
        fields = {name: rule for name, rule in lead.fields.items() if name != "lost_note"}
        problems = undeclared_personal_fields(
            _changed(personal_models(), "leads.Lead", fields=fields)
        )
        assert len(problems) == 1
        assert problems[0].startswith("leads.Lead.lost_note reaches a contact (contact)")

    def test_a_misspelt_field_is_a_mistake(self):
        declarations = _changed(personal_models(), "leads.Payment", fields={"referense": BLANK})
        assert declaration_mistakes(declarations) == [
            "leads.Payment (declared in its app's personal_data.py): no field 'referense'"
        ]

    def test_a_path_that_does_not_reach_the_contact_is_a_mistake(self):
        declarations = _changed(personal_models(), "leads.Payment", contact_path="lead__stage")
        assert declaration_mistakes(declarations) == [
            "leads.Payment (declared in its app's personal_data.py): 'lead__stage' does not lead"
            " to a contact"
        ]

    def test_rows_deleted_without_their_files_is_a_mistake(self):
        declarations = _changed(personal_models(), "documents.Document", files=())
        assert declaration_mistakes(declarations) == [
            "documents.Document (declared in its app's personal_data.py): deleting the rows"
            " leaves the files of file"
        ]

    def test_erasure_runs_lower_apps_first_and_the_contact_last(self):
        apps_in_order = [declared.model.split(".")[0] for declared in personal_models()]
        assert apps_in_order[0] == "crm"
        assert personal_models()[-1].model == "crm.Contact"
        assert apps_in_order.index("leads") < apps_in_order.index("portal")


class TestExportSections:
    def test_each_kind_is_registered_once_and_placed_in_the_file(self):
        names = [kind.name for kind in export_kinds()]
        assert len(names) == len(set(names))
        assert [kind.name for kind in data_export.export_sections()] == list(data_export.SECTIONS)

    def test_a_kind_left_out_of_the_order_fails(self, monkeypatch):
        monkeypatch.setattr(data_export, "SECTIONS", data_export.SECTIONS[:-1])
        with pytest.raises(ImproperlyConfigured, match="erasure_requests"):
            data_export.export_sections()
