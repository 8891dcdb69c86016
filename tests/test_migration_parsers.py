"""The migration parsers on what old and odd projects really hold: Python 2 revisions, South
and other tools' numbered files, squashes; and, mutated at random, never anything but a
result or an InputError."""

from __future__ import annotations

import contextlib
import random

import pytest

from analyzer.errors import InputError
from analyzer.parsers.alembic import parse_revision
from analyzer.parsers.django_migrations import graph, leaves, own_label, parse_migration

PY2_REVISION = '''"""add users

Revision ID: 2b
"""
revision = u'2b'
down_revision = ('1a',  # the parent
                 u'1b')
branch_labels = None
depends_on: str = None

def upgrade():
    print "upgrading"
'''

DJANGO = '''from django.db import migrations, models


class Migration(migrations.Migration):
    replaces = [("shop", "0001_initial"), ("shop", "0002_a")]
    dependencies = [
        migrations.swappable_dependency("auth.User"),
        ("shop", "0003_b"),
        ("auth", "0012_x"),
    ]
'''


def test_python2_revision_read_from_its_assignments():
    revision = parse_revision(PY2_REVISION, "v/2b.py")
    assert revision is not None
    assert (revision.revision, revision.down_revisions, revision.down_line) == ("2b",
                                                                                 ("1a", "1b"), 6)


def test_unparsable_file_without_a_revision_is_an_input_error():
    with pytest.raises(InputError, match="does not parse as Python"):
        parse_revision("def upgrade(:\n    pass\n", "v/x.py")


def test_django_migration_dependencies_and_replaces():
    migration = parse_migration(DJANGO, "shop/migrations/0004_c.py")
    assert migration is not None
    assert (migration.app, migration.parents, migration.replaced) == (
        "shop", ("0003_b",), ("0001_initial", "0002_a"))


@pytest.mark.parametrize("text", [
    "from south.db import db\nclass Migration(SchemaMigration):\n    print 'x'\n",
    "from yoyo import step\nsteps = [step('SELECT 1')]\n",
    "from django.db import models\nclass Migration(object):\n    pass\n",
    "class Migration(migrations.Migration):\n    dependencies = []\n",  # no Django import
])
def test_not_django_migrations(text):
    assert parse_migration(text, "x/migrations/0002_y.py") is None


def test_broken_django_migration_is_an_input_error():
    with pytest.raises(InputError):
        parse_migration("from django.db import migrations\nclass Migration(:\n",
                        "x/migrations/0002_y.py")


def test_squash_replaces_its_nodes_in_the_graph():
    def make(name, deps=(), replaces=()):
        text = (f"from django.db import migrations\nclass Migration(migrations.Migration):\n"
                f"    dependencies = {[('shop', d) for d in deps]!r}\n"
                f"    replaces = {[('shop', r) for r in replaces]!r}\n")
        return parse_migration(text, f"shop/migrations/{name}.py")
    nodes = {m.name: m for m in [make("0001_initial"), make("0002_a", ["0001_initial"]),
                                 make("0001_squashed", replaces=["0001_initial", "0002_a"]),
                                 make("0003_b", ["0002_a"])]}
    assert graph(nodes)["0003_b"] == ("0001_squashed",)
    assert leaves(nodes) == {"0003_b"}


def test_label_by_dependencies_prefers_the_folder_name_when_shared():
    migration = parse_migration(DJANGO, "shop/migrations/0004_c.py")
    assert migration is not None
    assert own_label([migration], {"0003_b", "0012_x"}, "shop") == "shop"
    assert own_label([migration], {"0012_x"}, "django_auth") == "auth"


@pytest.mark.parametrize("seed", range(40))
def test_mutated_inputs_never_crash(seed):
    rng = random.Random(seed)
    for source, path in ((PY2_REVISION, "v/2b.py"), (DJANGO, "shop/migrations/0004_c.py")):
        chars = list(source)
        for _ in range(rng.randint(1, 12)):
            position = rng.randrange(len(chars))
            action = rng.random()
            if action < 0.4:
                del chars[position]
            elif action < 0.8:
                chars.insert(position, rng.choice("()[]'\"\\\n#:=,\0\ufeffu "))
            else:
                chars[position:position] = chars[rng.randrange(len(chars)):][:20]
        text = "".join(chars)
        for parse in (parse_revision, parse_migration):
            with contextlib.suppress(InputError):
                parse(text, path)
