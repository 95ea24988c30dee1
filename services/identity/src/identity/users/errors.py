from identity.errors import IdentityError


class UsernameTaken(IdentityError):
    status, code, title, title_fr = 409, "username_taken", "This username is taken", "Ce nom d'utilisateur est pris"
