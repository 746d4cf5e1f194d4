"""PDF invoices and receipts (fpdf2), with the town's header; amounts in euros, dates in French.

The core PDF fonts are used in Windows-1252, which covers French and the euro sign, so the
documents need no font file in the image.
"""

from __future__ import annotations

import base64
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from fpdf import FPDF

from contracts import billing as contract

TOWN = "Ville de Caluire-et-Cuire"
TOWN_ADDRESS = "Place du Docteur Frédéric Dugoujon, 69300 Caluire-et-Cuire"
PARIS = ZoneInfo("Europe/Paris")


def euros(cents: int) -> str:
    """``12345`` -> ``"123,45 €"`` (French format, narrow grouping with a plain space)."""
    units, rest = divmod(abs(cents), 100)
    grouped = f"{units:,}".replace(",", " ")
    return f"{'-' if cents < 0 else ''}{grouped},{rest:02d} €"


def french_date(day: date | datetime) -> str:
    if isinstance(day, datetime):
        return day.astimezone(PARIS).strftime("%d/%m/%Y à %H:%M")
    return day.strftime("%d/%m/%Y")


def _document(title: str) -> FPDF:
    pdf = FPDF(format="A4")
    pdf.core_fonts_encoding = "windows-1252"
    pdf.set_title(title)
    pdf.set_author(TOWN)
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 16)
    pdf.cell(0, 9, TOWN, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 9)
    pdf.cell(0, 5, TOWN_ADDRESS, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(8)
    pdf.set_font("Helvetica", "B", 14)
    pdf.cell(0, 8, title, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 10)
    return pdf


def _row(pdf: FPDF, label: str, value: str) -> None:
    pdf.cell(60, 6, label)
    pdf.cell(0, 6, value, new_x="LMARGIN", new_y="NEXT")


def invoice_pdf(view: dict) -> bytes:
    """The invoice of ``view`` (``billing.domain.invoice_view``), lines and ledger state."""
    pdf = _document(f"Facture {view['reference']}")
    _row(pdf, "Objet", view["label"])
    if view["family_id"]:
        _row(pdf, "Numéro de famille", view["family_id"])
    _row(pdf, "Date d'émission", french_date(view["issued_on"]))
    _row(pdf, "À payer avant le", french_date(view["due_date"]))
    pdf.ln(4)
    with pdf.table(
        col_widths=(90, 20, 35, 35), text_align=("LEFT", "RIGHT", "RIGHT", "RIGHT")
    ) as t:
        t.row(("Désignation", "Quantité", "Prix unitaire", "Montant"))
        for line in view["lines"]:
            t.row(
                (
                    line.label,
                    str(line.quantity),
                    euros(line.unit_cents),
                    euros(line.amount_cents),
                )
            )
    pdf.ln(4)
    pdf.set_font("Helvetica", "B", 11)
    _row(pdf, "Total", euros(view["total_cents"]))
    _row(pdf, "Déjà réglé", euros(view["paid_cents"]))
    _row(pdf, "Reste à payer", euros(view["balance_cents"]))
    pdf.set_font("Helvetica", "", 10)
    _row(pdf, "État", view["status_label"])
    return bytes(pdf.output())


def receipt_pdf(payment: Any, invoice: Any) -> bytes:
    """The receipt of one payment: what was paid, when, how and for which invoice."""
    pdf = _document("Reçu de paiement")
    _row(pdf, "Reçu n°", payment.id)
    _row(pdf, "Facture", invoice.reference)
    _row(pdf, "Objet", invoice.label)
    _row(pdf, "Montant reçu", euros(payment.amount_cents))
    _row(pdf, "Reçu le", french_date(payment.paid_at))
    _row(pdf, "Moyen de paiement", contract.PAYMENT_METHODS.get(payment.method, payment.method))
    if payment.provider_reference:
        _row(pdf, "Référence de la transaction", payment.provider_reference)
    pdf.ln(6)
    pdf.multi_cell(0, 5, f"La régie de la {TOWN} atteste avoir reçu ce paiement.")
    return bytes(pdf.output())


def certificate_views(rows: list[Any]) -> list[dict]:
    """Certificate rows (``billing.models.ChildcareCertificate``) grouped per family and year."""
    views: dict[tuple[int, str], dict] = {}
    for row in rows:
        view = views.setdefault(
            (row.year, row.family_id),
            {"family_id": row.family_id, "year": row.year, "amount_cents": 0, "children": []},
        )
        view["amount_cents"] += row.amount_cents
        view["children"].append(
            {
                "first_name": row.child_first_name,
                "birth_date": row.birth_date,
                "amount_cents": row.amount_cents,
            }
        )
    return [views[key] for key in sorted(views, key=lambda k: (-k[0], k[1]))]


def certificate_pdf(view: dict) -> bytes:
    """The "attestation de frais de garde" of a family and a year (``certificate_views``)."""
    year = view["year"]
    pdf = _document(f"Attestation de frais de garde {year}")
    _row(pdf, "Numéro de famille", view["family_id"])
    _row(pdf, "Année des paiements", str(year))
    pdf.ln(4)
    pdf.multi_cell(
        0,
        5,
        f"La régie Espace famille de la {TOWN} atteste que la famille n° {view['family_id']} "
        f"a payé du 1er janvier au 31 décembre {year}, pour la garde hors du domicile de ses "
        f"enfants de moins de 6 ans au 31 décembre {year}, les sommes suivantes : accueil du "
        "matin, garderie du soir, étude du soir et centre de loisirs. Les frais de repas "
        "(restauration scolaire) ne sont pas compris.",
    )
    pdf.ln(4)
    with pdf.table(col_widths=(70, 50, 50), text_align=("LEFT", "LEFT", "RIGHT")) as t:
        t.row(("Enfant", "Né(e) le", "Montant payé"))
        for child in view["children"]:
            t.row(
                (
                    child["first_name"],
                    french_date(child["birth_date"]),
                    euros(child["amount_cents"]),
                )
            )
    pdf.ln(4)
    pdf.set_font("Helvetica", "B", 11)
    _row(pdf, "Total", euros(view["amount_cents"]))
    pdf.set_font("Helvetica", "", 10)
    pdf.ln(4)
    pdf.multi_cell(
        0,
        5,
        "Attestation à conserver, délivrée pour la déclaration des frais de garde des jeunes "
        "enfants (crédit d'impôt, article 200 quater B du code général des impôts).",
    )
    return bytes(pdf.output())


def as_document(filename: str, content: bytes, content_type: str = "application/pdf") -> dict:
    """A file as the RPC returns it (``contracts.billing.Document``)."""
    encoded = base64.b64encode(content).decode()
    return {"filename": filename, "content_type": content_type, "content_base64": encoded}
