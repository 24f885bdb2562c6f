from django.shortcuts import render


def home(request):
    return render(request, "home.html")


def agreement_detail(request, slug):
    return render(request, "home.html")
