def setup(w):
    pass


def pages(w):
    everyone = dict.fromkeys(
        ["organizer", "merchant", "official", "member", "outsider", "staff", "anonymous"], 200
    )
    yield "/", everyone
    yield "/accounts/", {**everyone, "anonymous": 302}
    yield "/healthz", everyone
