"""Give a re-rendered, invalid form the 400 status it deserves.

django-allauth (and any FormView) answers an invalid POST with 200 and the form's
errors; clients, tests and monitoring should see a 4xx instead.
"""

from django import forms


class InvalidFormStatusMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_template_response(self, request, response):
        if request.method == "POST" and response.status_code == 200 and _has_invalid_form(response.context_data):
            response.status_code = 400
        return response


def _has_invalid_form(context) -> bool:
    if not context:
        return False
    return any(isinstance(value, forms.BaseForm) and value.is_bound and value.errors for value in context.values())
