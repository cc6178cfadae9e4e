#!/usr/bin/env python3
"""Generates src/schema/types_gen.c from AWS's CloudFormation registry schemas.

    python3 tools/gen_schema.py [SCHEMA_DIR] [OUT]
    (defaults: tools/cfn-schemas and src/schema/types_gen.c)

Reads every aws-*.json in SCHEMA_DIR and writes one struct schema_resource per
type (see src/schema/schema.h), plus the sorted table of every type, which
also names berth's hand-written types found in src/schema/types_berth.c.

How the JSON Schema maps onto berth's shapes (pragmatic, not a full JSON Schema
implementation, because the registry schemas use a small subset):
- $ref is resolved into `definitions` and expanded in place, per property
  path, so flags from pointers such as /properties/A/*/B (readOnly, createOnly,
  writeOnly) land on the member at that path only, even when the definition is
  shared by several properties. Identical expanded shapes are emitted once.
- type [object, string] and objects with no declared structure (IAM policy
  documents, TemplateBody, DataProtectionPolicy) become SK_JSON; objects with
  patternProperties become SK_MAP of the (first) pattern's value shape;
  objects with additionalProperties false and no properties are empty objects.
- oneOf/anyOf carry either alternative `required` sets (ignored: the
  alternatives are described in the property's description and AWS reports a
  missing one clearly) or relationshipRef annotations (ignored).
- insertionOrder: false on an array means a set (unordered); CloudFormation's
  default is ordered.
- A type with a Tags property but no tagging block (ServiceDiscovery's legacy
  PrivateDnsNamespace schema) is taken as taggable, since the API tags it.
"""
import glob
import json
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)

SP_REQUIRED = 1 << 0
SP_CREATE_ONLY = 1 << 1
SP_READ_ONLY = 1 << 2
SP_WRITE_ONLY = 1 << 3
SP_SENSITIVE = 1 << 4
SP_COND_CREATE_ONLY = 1 << 5
SP_COMPUTED = 1 << 6

FLAG_NAMES = [(SP_REQUIRED, "SP_REQUIRED"), (SP_CREATE_ONLY, "SP_CREATE_ONLY"),
              (SP_READ_ONLY, "SP_READ_ONLY"), (SP_WRITE_ONLY, "SP_WRITE_ONLY"),
              (SP_SENSITIVE, "SP_SENSITIVE"), (SP_COND_CREATE_ONLY, "SP_COND_CREATE_ONLY"),
              (SP_COMPUTED, "SP_COMPUTED")]

# Sensitive values: masked in plans, output and state. The schemas have no
# "secret" keyword, so this is a judgement per property:
# - write-only properties whose leaf name says secret/password (the
#   Listener's AuthenticateOidcConfig/ClientSecret is the one today): AWS will
#   not return them precisely because they are secrets;
# - the explicit list below, for secrets the schemas do not mark write-only.
# Not sensitive though write-only: ClientToken (an idempotency token), IPAM
# pool ids, CustomSuffix, TemplateURL and the like, which are plain settings.
SECRET_LEAF = re.compile(r"(Secret|Password|PrivateKey)$")
KNOWN_SECRETS = {
    # The OIDC client secret also when given through the Listener's inline
    # default actions (already write-only; listed so a schema change that drops
    # writeOnly cannot silently unmask it).
    ("AWS::ElasticLoadBalancingV2::Listener", "DefaultActions/*/AuthenticateOidcConfig/ClientSecret"),
}

# Enumerations the registry schemas leave out but the AWS API references state
# (the schemas only say so in the description); checking them at validate
# time turns a typo into a message with a suggestion instead of a failed
# apply. Keyed by (type, property path with * for list items).
# Attributes berth computes for a type beyond what its registry schema has:
# (type, name) -> description. Each becomes a read-only string property, so a
# spec can reference it like any attribute and diff never compares it.
# Write-only properties berth reads back anyway, so that changing one is
# planned as an update: (type, name) -> the default an absent value means.
# ECR's EmptyOnDelete lives only in CloudFormation's own model; berth keeps it
# on the repository as the tag berth:empty-on-delete, which a destroy without
# the spec reads too (resources/ecr_repository.c).
READ_BACK = {("AWS::ECR::Repository", "EmptyOnDelete"): False}

# Members AWS chooses when the spec leaves them out (Terraform's "optional
# and computed"), as JSON pointers: a live value with no desired one is no
# change. The registry schemas don't say it; the API references do. Without
# it an ECR repository encrypted with KMS but no KmsKey, which ECR answers
# with its AWS-managed key's ARN, was replaced at every plan.
COMPUTED = {
    ("AWS::ECR::Repository", "/properties/EncryptionConfiguration/KmsKey"),
}

BERTH_ATTRIBUTES = {
    ("AWS::APS::Workspace", "RemoteWriteUrl"):
        "(berth) The workspace's remote-write URL: PrometheusEndpoint followed by "
        "api/v1/remote_write, what a collector's prometheusremotewrite exporter "
        "sends to.",
}

ENUM_SUPPLEMENT = {
    ("AWS::CloudWatch::Alarm", "Statistic"):
        ["SampleCount", "Average", "Sum", "Minimum", "Maximum"],
    ("AWS::CloudWatch::Alarm", "ComparisonOperator"):
        ["GreaterThanOrEqualToThreshold", "GreaterThanThreshold", "LessThanThreshold",
         "LessThanOrEqualToThreshold", "LessThanLowerOrGreaterThanUpperThreshold",
         "LessThanLowerThreshold", "GreaterThanUpperThreshold"],
    ("AWS::CloudWatch::Alarm", "TreatMissingData"):
        ["breaching", "notBreaching", "ignore", "missing"],
    ("AWS::ECS::TaskDefinition", "NetworkMode"): ["bridge", "host", "awsvpc", "none"],
    ("AWS::ECS::TaskDefinition", "RequiresCompatibilities/*"):
        ["EC2", "FARGATE", "EXTERNAL", "MANAGED_INSTANCES"],
    ("AWS::ElasticLoadBalancingV2::LoadBalancer", "Type"): ["application", "network", "gateway"],
    ("AWS::ElasticLoadBalancingV2::LoadBalancer", "Scheme"): ["internet-facing", "internal"],
    ("AWS::ElasticLoadBalancingV2::TargetGroup", "TargetType"): ["instance", "ip", "lambda", "alb"],
    ("AWS::SNS::Subscription", "Protocol"):
        ["http", "https", "email", "email-json", "sms", "sqs", "application", "lambda", "firehose"],
}


def first_sentence(text):
    """The first sentence of a schema description, markdown links and code
    quotes reduced to their text, at most 300 characters."""
    if not text:
        return None
    t = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)
    t = t.replace("``", "").replace("`", "")
    t = " ".join(t.split())
    m = re.search(r"(?<![A-Z]\.)(?<!e\.g)(?<!i\.e)\.(\s|$)", t)
    if m:
        t = t[:m.start() + 1]
    t = t.strip()
    if len(t) > 300:
        t = t[:297].rstrip() + "..."
    return t or None


class Shape:
    """One expanded shape; `key()` is its content, used to emit it once."""

    def __init__(self, kind):
        self.kind = kind
        self.props = []  # list of Prop, sorted by name
        self.items = None
        self.unordered = False
        self.enum = None
        self.min = None
        self.max = None

    def key(self):
        return (self.kind, tuple(p.key() for p in self.props),
                self.items.key() if self.items else None, self.unordered,
                tuple(self.enum) if self.enum else None, self.min, self.max)


class Prop:
    def __init__(self, name, shape):
        self.name = name
        self.shape = shape
        self.flags = 0
        self.default = None
        self.description = None

    def key(self):
        return (self.name, self.flags, self.shape.key(), self.default, self.description)


class TypeSchema:
    def __init__(self, doc):
        self.doc = doc
        self.defs = doc.get("definitions", {})

    def resolve(self, s, depth):
        seen = 0
        while isinstance(s, dict) and "$ref" in s:
            ref = s["$ref"]
            if not ref.startswith("#/definitions/"):
                raise SystemExit("unsupported $ref %s in %s" % (ref, self.doc["typeName"]))
            merged = dict(self.defs[ref[len("#/definitions/"):]])
            # A description next to the $ref describes this use; keep it.
            if "description" in s:
                merged["description"] = s["description"]
            s = merged
            seen += 1
            if seen > 20:
                raise SystemExit("$ref loop in " + self.doc["typeName"])
        return s

    def shape(self, s, depth=0):
        s = self.resolve(s, depth)
        if depth > 12:
            # Recursive definitions (none today) stop here as free JSON.
            return Shape("SK_JSON")
        t = s.get("type")
        if isinstance(t, list):
            kinds = set(t)
            if kinds == {"object", "string"}:
                return Shape("SK_JSON")
            t = t[0]
        if t is None:
            if "properties" in s:
                t = "object"
            elif "items" in s:
                t = "array"
        if t == "string":
            sh = Shape("SK_STRING")
            if "enum" in s:
                sh.enum = [str(v) for v in s["enum"]]
            sh.min = s.get("minLength")
            sh.max = s.get("maxLength")
        elif t in ("integer", "number"):
            sh = Shape("SK_INTEGER" if t == "integer" else "SK_NUMBER")
            if "enum" in s:
                sh.enum = [json.dumps(v) for v in s["enum"]]
            sh.min = s.get("minimum")
            sh.max = s.get("maximum")
        elif t == "boolean":
            sh = Shape("SK_BOOLEAN")
        elif t == "array":
            sh = Shape("SK_ARRAY")
            sh.items = self.shape(s.get("items", {}), depth + 1)
            sh.unordered = s.get("insertionOrder") is False
            sh.min = s.get("minItems")
            sh.max = s.get("maxItems")
        elif t == "object":
            if "properties" in s:
                sh = Shape("SK_OBJECT")
                req = set(s.get("required", []))
                for name in sorted(s["properties"]):
                    sub = s["properties"][name]
                    p = Prop(name, self.shape(sub, depth + 1))
                    rs = self.resolve(sub, depth)
                    p.description = first_sentence(rs.get("description"))
                    if "default" in rs:
                        p.default = json.dumps(rs["default"], sort_keys=True)
                    if name in req:
                        p.flags |= SP_REQUIRED
                    sh.props.append(p)
            elif "patternProperties" in s:
                sh = Shape("SK_MAP")
                pats = s["patternProperties"]
                sh.items = self.shape(pats[sorted(pats)[0]], depth + 1)
            elif s.get("additionalProperties") is False:
                sh = Shape("SK_OBJECT")
            else:
                sh = Shape("SK_JSON")
        else:
            sh = Shape("SK_ANY")
        return sh


def apply_pointer(top, pointer, flag, type_name, kind):
    """Sets `flag` on the member that /properties/A/*/B names."""
    parts = pointer.split("/")
    if parts[:2] != ["", "properties"] or len(parts) < 3:
        raise SystemExit("%s: odd pointer %s in %s" % (type_name, pointer, kind))
    parts = parts[2:]
    shape = top
    prop = None
    for part in parts:
        if part == "*":
            if shape.kind not in ("SK_ARRAY", "SK_MAP"):
                raise SystemExit("%s: %s: * on a non-array" % (type_name, pointer))
            shape = shape.items
            continue
        if shape.kind == "SK_ARRAY" and shape.items.kind == "SK_OBJECT":
            # Some pointers omit the * for arrays; step into the items.
            shape = shape.items
        if shape.kind != "SK_OBJECT":
            raise SystemExit("%s: %s: %s is not an object member" % (type_name, pointer, part))
        found = [p for p in shape.props if p.name == part]
        if not found:
            # EC2::Instance's writeOnlyProperties names LicenseSpecification
            # (singular), which the schema does not have: skip and say so.
            print("gen_schema: %s: %s in %s names no property; ignored" % (type_name, pointer, kind),
                  file=sys.stderr)
            return None
        prop = found[0]
        shape = prop.shape
    prop.flags |= flag
    return prop


def find_shape(top, parts, type_name):
    shape = top
    for part in parts:
        if part == "*":
            shape = shape.items
            continue
        found = [p for p in shape.props if p.name == part]
        if not found:
            raise SystemExit("%s: no property %s" % (type_name, "/".join(parts)))
        shape = found[0].shape
    return shape


def mark_secrets(type_name, shape, path):
    if shape.kind in ("SK_ARRAY", "SK_MAP"):
        mark_secrets(type_name, shape.items, path + ["*"])
        return
    for p in shape.props:
        ppath = path + [p.name]
        joined = "/".join(ppath)
        if (p.flags & SP_WRITE_ONLY and SECRET_LEAF.search(p.name)) or \
                (type_name, joined) in KNOWN_SECRETS:
            p.flags |= SP_SENSITIVE
        mark_secrets(type_name, p.shape, ppath)


def load_type(path):
    with open(path) as f:
        doc = json.load(f)
    name = doc["typeName"]
    for (tname, pname), desc in sorted(BERTH_ATTRIBUTES.items()):
        if tname == name:
            doc["properties"][pname] = {"type": "string", "description": desc}
            doc.setdefault("readOnlyProperties", []).append("/properties/" + pname)
    for (tname, pname), dflt in sorted(READ_BACK.items()):
        if tname == name:
            doc["writeOnlyProperties"].remove("/properties/" + pname)
            prop = doc["properties"][pname]
            if "$ref" in prop:  # the default belongs where the value is described
                prop = doc["definitions"][prop["$ref"].split("/")[-1]]
            prop["default"] = dflt
    ts = TypeSchema(doc)
    top = ts.shape({"type": "object", "properties": doc["properties"],
                    "required": doc.get("required", [])})
    for key, flag in (("createOnlyProperties", SP_CREATE_ONLY),
                      ("conditionalCreateOnlyProperties", SP_COND_CREATE_ONLY),
                      ("readOnlyProperties", SP_READ_ONLY),
                      ("writeOnlyProperties", SP_WRITE_ONLY)):
        for ptr in doc.get(key, []):
            apply_pointer(top, ptr, flag, name, key)
    for tname, ptr in sorted(COMPUTED):
        if tname == name:
            apply_pointer(top, ptr, SP_COMPUTED, name, "COMPUTED")
    mark_secrets(name, top, [])
    for (tname, ppath), values in ENUM_SUPPLEMENT.items():
        if tname == name:
            target = find_shape(top, ppath.split("/"), name)
            if target.kind != "SK_STRING":
                raise SystemExit("%s: %s: supplement for a non-string property" % (name, ppath))
            if target.enum:
                # The schema has its own list now: it wins; drop the entry.
                print("gen_schema: %s: %s is enumerated by the schema; supplement ignored"
                      % (name, ppath), file=sys.stderr)
                continue
            target.enum = list(values)
    primary = [p.split("/")[-1] for p in doc.get("primaryIdentifier", [])]
    tagging = doc.get("tagging")
    has_tags = "Tags" in doc["properties"]
    if tagging is not None:
        taggable = bool(tagging.get("taggable", False))
        tag_prop = tagging.get("tagProperty", "/properties/Tags" if taggable else None)
    elif "taggable" in doc:
        taggable = bool(doc["taggable"])
        tag_prop = "/properties/Tags" if taggable and has_tags else None
    else:
        taggable = has_tags
        tag_prop = "/properties/Tags" if has_tags else None
    tags_property = tag_prop.split("/")[-1] if tag_prop else None
    tags_as_map = False
    if tags_property:
        tp = [p for p in top.props if p.name == tags_property][0]
        tags_as_map = tp.shape.kind in ("SK_MAP", "SK_JSON")
        # Tags are a set whatever insertionOrder says (AWS returns them in
        # any order), so diffs must not see a reordering as a change.
        if tp.shape.kind == "SK_ARRAY":
            tp.shape.unordered = True
    return {
        "name": name, "shape": top, "primary": primary, "taggable": taggable,
        "tags_property": tags_property, "tags_as_map": tags_as_map,
        "description": first_sentence(doc.get("description")),
    }


def c_str(s):
    if s is None:
        return "NULL"
    out = ['"']
    for ch in s:
        o = ord(ch)
        if ch == '"':
            out.append('\\"')
        elif ch == "\\":
            out.append("\\\\")
        elif ch == "\n":
            out.append("\\n")
        elif ch == "?":
            out.append("\\?")  # no trigraphs
        elif o < 0x20:
            out.append("\\x%02x" % o)
        elif o < 0x80:
            out.append(ch)
        else:
            # UTF-8 bytes in octal: hex escapes would swallow following hex digits.
            out.extend("\\%03o" % b for b in ch.encode("utf-8"))
    out.append('"')
    return "".join(out)


def c_num(v):
    if v is None:
        return "0"
    if float(v) == int(v):
        return "%d" % int(v)
    return repr(float(v))


class Emitter:
    def __init__(self):
        self.lines = []
        self.shapes = {}  # key -> C name
        self.n = 0

    def shape(self, sh):
        k = sh.key()
        if k in self.shapes:
            return self.shapes[k]
        items = self.shape(sh.items) if sh.items else None
        prop_shapes = [self.shape(p.shape) for p in sh.props]
        self.n += 1
        name = "s%d" % self.n
        props = "NULL"
        if sh.props:
            props = "p%d" % self.n
            self.lines.append("static const struct schema_prop %s[] = {" % props)
            for p, ps in zip(sh.props, prop_shapes):
                flags = " | ".join(n for f, n in FLAG_NAMES if p.flags & f) or "0"
                self.lines.append("\t{ %s, %s, &%s, %s,\n\t  %s }," % (
                    c_str(p.name), flags, ps, c_str(p.default), c_str(p.description)))
            self.lines.append("};")
        enum = "NULL"
        if sh.enum:
            enum = "e%d" % self.n
            self.lines.append("static const char *const %s[] = { %s };" % (
                enum, ", ".join(c_str(v) for v in sh.enum)))
        self.lines.append(
            "static const struct schema_shape %s = { %s, %s, %d, %s, %s, %s, %d, %s, %s, %s, %s };" % (
                name, sh.kind, props, len(sh.props), "&" + items if items else "NULL",
                "true" if sh.unordered else "false", enum, len(sh.enum or []),
                "true" if sh.min is not None else "false",
                "true" if sh.max is not None else "false", c_num(sh.min), c_num(sh.max)))
        self.shapes[k] = name
        return name


def c_ident(type_name):
    return "schema_type_" + type_name.replace("::", "_")


def berth_types(path):
    """(type name, C symbol) of each hand-written type in types_berth.c."""
    with open(path) as f:
        text = f.read()
    found = re.findall(r"^const struct schema_resource (schema_type_\w+) = \{\s*\n\s*\.type_name = \"([^\"]+)\"",
                       text, re.M)
    return [(t, sym) for sym, t in found]


def main():
    schema_dir = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "tools", "cfn-schemas")
    out = sys.argv[2] if len(sys.argv) > 2 else os.path.join(ROOT, "src", "schema", "types_gen.c")
    types = [load_type(p) for p in sorted(glob.glob(os.path.join(schema_dir, "aws-*.json")))]
    types.sort(key=lambda t: t["name"])
    em = Emitter()
    body = []
    for t in types:
        top = em.shape(t["shape"])
        sym = c_ident(t["name"])
        prim = "NULL"
        if t["primary"]:
            prim = sym + "_primary"
            em.lines.append("static const char *const %s[] = { %s };" % (
                prim, ", ".join(c_str(p) for p in t["primary"])))
        body.append("static const struct schema_resource %s = {" % sym)
        body.append("\t.type_name = %s," % c_str(t["name"]))
        body.append("\t.shape = &%s," % top)
        body.append("\t.primary_id = %s," % prim)
        body.append("\t.nprimary = %d," % len(t["primary"]))
        body.append("\t.taggable = %s," % ("true" if t["taggable"] else "false"))
        body.append("\t.tags_property = %s," % c_str(t["tags_property"]))
        body.append("\t.tags_as_map = %s," % ("true" if t["tags_as_map"] else "false"))
        body.append("\t.description = %s," % c_str(t["description"]))
        body.append("};")
        body.append("")
    berth = berth_types(os.path.join(ROOT, "src", "schema", "types_berth.c"))
    table = [(t["name"], "&" + c_ident(t["name"])) for t in types] + \
            [(name, "&" + sym) for name, sym in berth]
    table.sort(key=lambda x: x[0].encode())
    with open(out, "w") as f:
        f.write("/* GENERATED by tools/gen_schema.py from tools/cfn-schemas/aws-*.json;\n"
                " * do not edit, rerun the generator. One struct schema_resource per AWS type\n"
                " * and the sorted table of every type (including berth's own, from\n"
                " * types_berth.c) that schema.c searches. */\n")
        f.write('#include "util/common.h"\n#include "schema/schema_int.h"\n\n')
        f.write("\n".join(em.lines))
        f.write("\n\n")
        f.write("\n".join(body))
        for name, sym in berth:
            f.write("extern const struct schema_resource %s; /* types_berth.c */\n" % sym)
        f.write("\n")
        f.write("const struct schema_resource *const schema_types[] = {\n")
        for name, ref in table:
            f.write("\t%s,\n" % ref)
        f.write("};\nconst size_t schema_types_count = %d;\n" % len(table))


if __name__ == "__main__":
    main()
