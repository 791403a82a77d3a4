from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Everyone starts on the account list; later each role gets its own home page."""
    return redirect("accounts:list")
