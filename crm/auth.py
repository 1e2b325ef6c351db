def lockout_username(request, credentials: dict | None) -> str:
    """The name django-axes counts failed sign-ins under: the email, lowercased.

    Both login forms post the email as ``username`` (USERNAME_FIELD is ``email``, which axes would
    otherwise look for, finding nothing and never locking anyone out).
    """
    credentials = credentials or {}
    raw = credentials.get("username") or credentials.get("email") or ""
    if not raw and request is not None:
        raw = request.POST.get("username", "")
    return raw.strip().lower()
