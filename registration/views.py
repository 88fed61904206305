from django.shortcuts import render


def use_application(request):
    return render(request, "notices/home.html")


def operator_detail(request):
    return render(request, "notices/home.html")
