"""Validates the OpenAPI snapshot (an insta .snap file: a header, then the JSON) as 3.1."""
import json
import sys

from openapi_spec_validator import validate
from openapi_spec_validator.validation import OpenAPIV31SpecValidator

text = open(sys.argv[1], encoding="utf-8").read()
# insta snapshot: "---\n<metadata>\n---\n<body>"
body = text.split("---\n", 2)[2] if text.startswith("---\n") else text
doc = json.loads(body)
if doc.get("openapi") != "3.1.0":
    sys.exit(f"expected openapi 3.1.0, found {doc.get('openapi')!r}")
validate(doc, cls=OpenAPIV31SpecValidator)
print(f"valid OpenAPI {doc['openapi']}: {len(doc['paths'])} paths")
