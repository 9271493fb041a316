"""The HTTP edge of Xunfang: routes, auth, wire types and the domain rules. Imports storage/."""
