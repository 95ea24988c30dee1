"""Recipients: who notices are for, as identity last described them (read model of ``ProfileUpdated``)."""
