from django.http import HttpRequest, HttpResponse


def account_list(request: HttpRequest) -> HttpResponse:
    raise NotImplementedError


def account_detail(request: HttpRequest, pk: int) -> HttpResponse:
    raise NotImplementedError
