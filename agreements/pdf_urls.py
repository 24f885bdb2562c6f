"""Addresses of the printed documents. They share the `agreements` namespace
(`agreements:pdf`, `agreements:version_pdf`, …) and are joined to agreements/urls.py in
registry/urls.py, so that this module and that one can change independently."""

from django.urls import path

from agreements import pdf_views

urlpatterns = [
    path("overenskommelser/<slug:slug>/pdf/", pdf_views.agreement_pdf, name="pdf"),
    path(
        "overenskommelser/<slug:slug>/version/<int:number>/pdf/",
        pdf_views.agreement_version_pdf,
        name="version_pdf",
    ),
    path("overenskommelser/pdf.zip", pdf_views.agreements_pdf_zip, name="pdf_zip"),
    path("zip-filer/", pdf_views.agreements_pdf_zip_job, name="pdf_zip_job"),
    path(
        "zip-filer/overenskommelser.zip",
        pdf_views.agreements_pdf_zip_file,
        name="pdf_zip_file",
    ),
    path("lan/<slug:slug>/rapport.pdf", pdf_views.county_report_pdf, name="county_report_pdf"),
    path("rapport.pdf", pdf_views.national_report_pdf, name="national_report_pdf"),
]
