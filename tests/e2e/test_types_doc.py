"""`berth types --markdown` and docs/types.md, the resource type reference:
the committed page is what the binary prints now (else it is stale and the
message says how to regenerate it), every registered type has a section that
the table of contents links to, properties carry their kind, flags, defaults
and allowed values, and every table row has exactly its five cells."""
import json
import os
import re
import unittest

from berthtest import SOURCE_DIR, main, run_berth

COMMITTED = os.path.join(SOURCE_DIR, "docs", "types.md")
REGENERATE = "build/berth types --markdown > docs/types.md"


def cells(row):
    """A Markdown table row's cells, split on the pipes that are not escaped."""
    inner = row.strip()[1:-1]
    return [c.strip() for c in re.split(r"(?<!\\)\|", inner)]


def section(doc, type_name):
    """The text of one type's section: from its heading to the next one."""
    start = doc.index(f"\n## {type_name}\n") + 1
    end = doc.find("\n## ", start)
    return doc[start:] if end < 0 else doc[start:end]


def row_of(sec, path):
    for line in sec.splitlines():
        if line.startswith(f"| `{path}` |"):
            return cells(line)
    raise AssertionError(f"no row for {path}")


class TypesMarkdownTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        r = run_berth(["types", "--markdown"])
        assert r.returncode == 0 and r.stderr == "", r.stderr
        cls.doc = r.stdout
        r = run_berth(["types", "--json"])
        assert r.returncode == 0, r.stderr
        cls.types = [t["type"] for t in json.loads(r.stdout)]

    def test_committed_page_is_current(self):
        with open(COMMITTED) as f:
            committed = f.read()
        self.assertTrue(committed == self.doc,
                        f"docs/types.md is stale: run '{REGENERATE}' and commit it")

    def test_says_how_it_is_made(self):
        self.assertTrue(self.doc.startswith("# Resource type reference\n"))
        self.assertIn(REGENERATE, self.doc)

    def test_every_type_has_a_linked_section(self):
        self.assertGreaterEqual(len(self.types), 34)
        headings = re.findall(r"^## (\S+)$", self.doc, re.M)
        self.assertEqual(headings, self.types)
        for t in self.types:
            anchor = t.replace("::", "").lower()
            self.assertIn(f"| [{t}](#{anchor}) |", self.doc)

    def test_properties_flags_defaults_enums(self):
        logs = section(self.doc, "AWS::Logs::LogGroup")
        self.assertIn("Primary identifier (`${ID}`): `LogGroupName`.", logs)
        name = row_of(logs, "LogGroupName")
        self.assertEqual(name[1:3], ["string", "create-only"])
        self.assertIn("Length 1 to 512.", name[4])
        klass = row_of(logs, "LogGroupClass")
        self.assertEqual(klass[3], '`"STANDARD"`')
        self.assertIn("One of: `STANDARD`, `INFREQUENT_ACCESS`, `DELIVERY`.", klass[4])
        self.assertEqual(row_of(logs, "Tags[].Key")[1:3], ["string", "required"])
        # Attributes are apart from the settable properties.
        props, attrs = logs.split("Attributes (read-only")
        self.assertIn("| `Arn` | string |", attrs)
        self.assertNotIn("| `Arn` |", props)

        task = section(self.doc, "AWS::ECS::TaskDefinition")
        self.assertEqual(row_of(task, "ContainerDefinitions[].PortMappings[].ContainerPort")[1],
                         "integer")
        listener = section(self.doc, "AWS::ElasticLoadBalancingV2::Listener")
        self.assertIn("sensitive",
                      row_of(listener, "DefaultActions[].AuthenticateOidcConfig.ClientSecret")[2])
        role = section(self.doc, "AWS::IAM::Role")
        self.assertEqual(row_of(role, "AssumeRolePolicyDocument")[1:3], ["json", "required"])
        sub = section(self.doc, "AWS::SNS::Subscription")
        self.assertIn("Not taggable", sub)

    def test_tables_are_well_formed(self):
        """Each row has the header's five cells: a '|' in a description or
        value is escaped, and nothing spills onto a second line."""
        for line in self.doc.splitlines():
            if line.startswith("|") and not line.startswith("| type |") \
                    and not line.startswith("| [") and line != "|---|---|":
                self.assertEqual(len(cells(line)), 5, line)
        self.assertIn("\\|", self.doc)  # the escape is exercised by a real description

    def test_one_type(self):
        r = run_berth(["types", "AWS::Logs::LogGroup", "--markdown"])
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stdout, section(self.doc, "AWS::Logs::LogGroup"))

    def test_json_and_markdown_conflict(self):
        r = run_berth(["types", "--json", "--markdown"])
        self.assertEqual(r.returncode, 1)
        self.assertIn("choose one of --json and --markdown", r.stderr)


if __name__ == "__main__":
    main()
