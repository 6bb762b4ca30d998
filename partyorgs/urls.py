app_name = "partyorgs"

# /orgs/, /enterprises/, /incubators/ are added by the foundation work.
urlpatterns: list = []
