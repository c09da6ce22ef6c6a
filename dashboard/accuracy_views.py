"""The accuracy page and its CSV (a module of its own: dashboard/views.py is the pages')."""

from __future__ import annotations

import csv
import datetime as dt

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from dashboard.accuracy import accuracy_report, csv_rows, default_range
from dashboard.curve_accuracy import curve_accuracy
from dashboard.views import staff_required


class RangeForm(forms.Form):
    start = forms.DateField(label="From", widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label="To", widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self) -> dict[str, dt.date]:
        data: dict[str, dt.date] = super().clean() or {}
        if data.get("start") and data.get("end") and data["end"] < data["start"]:
            raise forms.ValidationError("The end date is before the start date.")
        return data


def _range(request: HttpRequest) -> tuple[RangeForm, dt.date, dt.date]:
    start, end = default_range()
    if {"start", "end"} & set(request.GET):
        form = RangeForm(request.GET)
        if form.is_valid():
            start, end = form.cleaned_data["start"], form.cleaned_data["end"]
    else:
        form = RangeForm(initial={"start": start, "end": end})
    return form, start, end


@staff_required
def accuracy(request: HttpRequest) -> HttpResponse:
    form, start, end = _range(request)
    report = accuracy_report(start, end)
    if request.GET.get("format") == "csv":
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="accuracy_{start}_{end}.csv"'
        csv.writer(response).writerows(csv_rows(report))
        return response
    curves = curve_accuracy(start, end)
    return render(
        request,
        "dashboard/accuracy.html",
        {
            "form": form,
            "report": report,
            "reliability": report.as_dict()["reliability"],
            "curves": curves,
            "curve_reliability": [
                {"mean_forecast": b.mean_forecast, "observed": b.observed, "n": b.points}
                for b in (curves[0].reliability if curves else [])
            ],
        },
    )
