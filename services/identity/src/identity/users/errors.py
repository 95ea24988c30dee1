from identity.errors import IdentityError


class UsernameTaken(IdentityError):
    status, code, title = 409, "username_taken", "This username is taken"
