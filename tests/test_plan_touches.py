"""What a plan's text says each task touches: paths, modes, implied touches.

Each case a rule must read, and the near-miss it must not. These call the touch reader
directly (`predict_plan_touches`), one list of lines per task, so they test the reading
alone; the rules on top are tested through the CLI in test_rules_plan.py.
"""

from __future__ import annotations

import random
import time

import pytest

from analyzer.model import Kind, Mode
from analyzer.sources.plan_paths import TreeWalker, looks_like_path, path_mentions
from analyzer.sources.plan_text import VerbIndex, mode_of
from analyzer.sources.plan_touches import PredictedTouch, predict_plan_touches
from analyzer.sources.repo_layout import conventions


def read(*tasks: str) -> list[list[PredictedTouch]]:
    """Each argument is one task's text."""
    bodies = []
    number = 1
    for text in tasks:
        lines = []
        for line in text.strip("\n").splitlines():
            lines.append((number, line))
            number += 1
        bodies.append((lines, []))
    return predict_plan_touches(bodies, conventions())


def keys(touches: list[PredictedTouch], kind: Kind = Kind.FILE,
         mode: Mode | None = None) -> set[str]:
    return {t.resource.key for t in touches if t.resource.kind is kind
            and (mode is None or t.mode is mode or (mode is Mode.WRITE and t.mode.writes))}


def paths(line: str) -> list[str]:
    return [m.path for m in path_mentions(line)]


# --- which words are files -------------------------------------------------------------------

def test_names_starting_with_a_digit_are_files():
    assert paths("Create backend/alembic/versions/001_create_users_table.py") == [
        "backend/alembic/versions/001_create_users_table.py"]
    assert paths("see 0001_initial.py") == ["0001_initial.py"]


def test_cjk_prose_glued_to_a_path_or_product_name_is_not_part_of_it():
    assert paths("修改backend/main.py文件，添加路由") == ["backend/main.py"]
    assert paths("使用Next.js + Tailwind CSS创建响应式界面") == []


def test_version_numbers_are_not_files():
    assert paths("Python 3.13.3, FastAPI 0.115+, e.g. v0.95 and 3.11.py") == []


def test_a_leading_slash_names_the_projects_file_but_routes_and_host_paths_are_not():
    assert paths("Edit /src/x.py and GET /api/tasks/{id} and /etc/nginx/nginx.conf") == [
        "src/x.py"]
    assert paths("logs go to /mnt/smb/downloads/logs") == []


def test_branch_names_products_and_urls_are_not_files():
    assert paths("on branch `feat/backend-work` with React/Vue.js and discord.py") == []
    assert paths("see https://example.com/docs/api.md and www.example.com/a.py") == []
    assert not looks_like_path("Node.js") and not looks_like_path("Socket.IO")
    assert looks_like_path("src/app.js") and looks_like_path("app.js")


def test_nextjs_route_groups_and_dynamic_segments_stay_in_the_path():
    assert paths("Create signup page in frontend/app/(auth)/signup/page.tsx") == [
        "frontend/app/(auth)/signup/page.tsx"]
    touches = read("Create handler in frontend/app/api/auth/[...all]/route.ts")[0]
    assert keys(touches) == {"frontend/app/api/auth/[...all]/route.ts"}


def test_env_templates_with_two_suffixes_are_files():
    assert paths("Create frontend/.env.local.example with SECRET") == [
        "frontend/.env.local.example"]


def test_a_bare_name_takes_the_directory_the_sentence_puts_it_in():
    assert paths("Create .env.example file in backend/ with DATABASE_URL") == [
        "backend/.env.example"]
    assert paths("Create base UI components in frontend/components/ui/ (button.tsx, card.tsx)") \
        == ["frontend/components/ui/button.tsx", "frontend/components/ui/card.tsx"]


def test_a_directory_alone_stays_a_directory():
    assert paths("Initialize Python project in backend/ directory") == ["backend/"]


def test_generated_directories_are_never_touches():
    assert paths("exclude __pycache__/, node_modules/ and .pytest_cache/") == []


def test_path_reading_is_linear_in_the_line():
    line = " ".join(f"src/m{i}.py" for i in range(8000))
    started = time.perf_counter()
    touches = read(f"Edit {line}")[0]
    assert len(keys(touches)) == 8000
    assert time.perf_counter() - started < 5


# --- read or write ---------------------------------------------------------------------------

@pytest.mark.parametrize("text", [
    "Create schemas in app/schemas.py (validation rules per data-model.md)",
    "The main app is in main.py",
    "See docs/architecture.md before starting",
    "Write the parser based on spec.md",
    "Verify quickstart.md instructions work end-to-end",
    "with the validation rules from data-model.md",
])
def test_documents_named_for_reference_are_reads(text):
    touches = read(text)[0]
    docs = {t.resource.key: t.mode for t in touches if t.resource.key.endswith(".md")
            or t.resource.key == "main.py"}
    assert docs and all(mode is Mode.READ for mode in docs.values()), docs


def test_the_file_a_verb_names_is_written_next_to_a_reference():
    touches = read("Create schemas in app/schemas.py (validation rules per data-model.md)")[0]
    assert keys(touches, mode=Mode.WRITE) == {"app/schemas.py"}


def test_remove_from_writes_the_file_and_migrate_from_to_writes_the_target():
    assert mode_of("Remove the helper from ") is Mode.WRITE
    verbs = VerbIndex("Migrate rt_api.py from utils/ to common/rt_api.py")
    assert verbs.mode_at(len("Migrate rt_api.py from utils/ to ")) is Mode.WRITE


def test_a_noun_that_looks_like_a_verb_does_not_make_a_read():
    touches = read("Create health check router in app/endpoints/health.py")[0]
    assert keys(touches, mode=Mode.WRITE) == {"app/endpoints/health.py"}


def test_ignore_file_entries_are_not_written():
    touches = read("Create .dockerignore in backend/ (exclude .env, tests/, *.md)")[0]
    assert keys(touches, mode=Mode.WRITE) == {"backend/.dockerignore"}


def test_branch_and_worktree_labels_are_not_touches():
    touches = read("**Branch:** `feature/security-hardening`\n"
                   "**Worktree:** `worktrees/security-agent/`")[0]
    assert keys(touches) == set() and keys(touches, Kind.AREA) == set()


# --- tree drawings ---------------------------------------------------------------------------

def test_tree_drawings_keep_their_directories():
    tree = """Files you own:
```
src/api/
├── __init__.py
├── routes/
│   ├── __init__.py
│   └── users.py
└── main.py
```"""
    touches = read(tree)[0]
    assert keys(touches) == {"src/api/__init__.py", "src/api/routes/__init__.py",
                             "src/api/routes/users.py", "src/api/main.py"}


def test_undrawn_indented_trees_keep_their_directories():
    walker = TreeWalker()
    lines = ["backend/", "  app/", "    models.py  # tables", "  tests/", "    test_x.py"]
    assert [walker.feed(line) for line in lines] == [
        "backend/", "backend/app/", "backend/app/models.py", "backend/tests/",
        "backend/tests/test_x.py"]


def test_two_trees_with_init_files_do_not_collide():
    one = "```\nsrc/api/\n├── __init__.py\n```"
    two = "```\nsrc/auth/\n├── __init__.py\n```"
    first, second = read(one, two)
    assert not keys(first) & keys(second)


def test_a_branch_drawing_is_not_a_tree_of_files():
    drawing = "```\nmain (protected)\n├── feature/security-hardening   # Agent 1\n```"
    assert keys(read(drawing)[0]) == set()


# --- one file, several spellings ---------------------------------------------------------------

def test_a_bare_name_is_the_one_full_path_the_plan_names():
    _first, second = read("Create FastAPI app in src/backend/main.py",
                         "Update main.py to register the router")
    assert keys(second) == {"src/backend/main.py"}


def test_a_partial_path_is_resolved_too():
    _first, second = read("Create backend/src/core/security.py", "Harden core/security.py")
    assert keys(second) == {"backend/src/core/security.py"}


def test_an_ambiguous_bare_name_stays_and_says_so():
    _, _, third = read("Create backend/Dockerfile", "Create frontend/Dockerfile",
                       "Add HEALTHCHECK to Dockerfile")
    (touch,) = [t for t in third if t.resource.key == "Dockerfile"]
    assert "ambiguous" in touch.detail and "backend/Dockerfile" in touch.detail


def test_a_task_naming_no_file_writes_the_file_a_recent_task_placed_the_same_thing_in():
    _first, second = read("Add search parameter to list endpoint in app/endpoints/ideas.py",
                         "Add stage filter parameter to list endpoint")
    assert keys(second) == {"app/endpoints/ideas.py"}


def test_a_place_is_inherited_up_to_eight_tasks_later_and_not_after():
    """Tasks that only name their own files are skipped when no task naming none follows
    within the look-back: the place of task 1 must still reach task 9, not task 10."""
    placer = "Add search parameter to list endpoint in app/endpoints/ideas.py"
    asker = "Add stage filter parameter to list endpoint"
    near = read(placer, *[f"Edit src/part{i}.py" for i in range(7)], asker)
    assert keys(near[-1]) == {"app/endpoints/ideas.py"}
    far = read(placer, *[f"Edit src/part{i}.py" for i in range(8)], asker)
    assert keys(far[-1]) == set()


def test_no_inherited_file_for_an_unrelated_task():
    _, second = read("Add search parameter to list endpoint in app/endpoints/ideas.py",
                     "Add pagination metadata to list response")
    assert keys(second) == set()


# --- implied touches -----------------------------------------------------------------------

def test_packages_named_without_a_verb_are_dependency_edits():
    first, second, third = read("JWT auth with bcrypt password hashing",
                                "Export reports using openpyxl",
                                "Background jobs: Celery with a Redis broker")
    assert keys(first, Kind.DEPENDENCY) == {"bcrypt"}
    assert keys(second, Kind.DEPENDENCY) == {"openpyxl"}
    assert keys(third, Kind.DEPENDENCY) == {"celery", "redis"}
    assert "requirements.txt" in keys(first, mode=Mode.WRITE)


def test_packages_in_cjk_prose_are_found():
    (touches,) = read("使用Celery+Redis实现视频处理的异步任务队列")
    assert keys(touches, Kind.DEPENDENCY) == {"celery", "redis"}


def test_common_words_and_tools_are_not_packages():
    (touches,) = read("Click the button, show rich text, handle requests; run the Redis server "
                      "and Docker Compose; without celery")
    assert keys(touches, Kind.DEPENDENCY) == set()


def test_a_package_named_again_later_is_already_installed():
    first, second = read("Install stripe for billing", "Handle Stripe webhooks")
    assert keys(first, Kind.DEPENDENCY) == {"stripe"}
    assert keys(second, Kind.DEPENDENCY) == set()


def test_the_plans_own_manager_and_manifest_take_the_dependency():
    _, second = read("Set up the project using uv", "Add rarfile and py7zr for archives")
    assert {"pyproject.toml", "uv.lock"} <= keys(second, mode=Mode.WRITE)
    _, second = read("Create backend/requirements.txt with FastAPI", "Rate limiting with slowapi")
    assert "backend/requirements.txt" in keys(second, mode=Mode.WRITE)


def test_node_projects_add_packages_to_package_json():
    _, second = read("Initialize the Next.js project (package.json)",
                     "Payments with the Stripe SDK")
    assert {"package.json", "package-lock.json"} <= keys(second, mode=Mode.WRITE)


def test_a_model_file_implies_a_migration_when_the_project_uses_alembic():
    _first, second = read("Set up SQLAlchemy and alembic", "Create app/models/invoice.py")
    assert keys(second, Kind.MIGRATION) == {"alembic:alembic/versions"}


def test_no_implied_migration_without_alembic_or_django():
    (touches,) = read("Create app/models/invoice.py")
    assert keys(touches, Kind.MIGRATION) == set()


def test_no_implied_migration_when_the_plan_makes_its_migrations_in_a_task():
    first, second = read("Create app/models/invoice.py with alembic",
                         "Create the Alembic migration for invoices")
    assert keys(first, Kind.MIGRATION) == set()
    assert keys(second, Kind.MIGRATION) == {"alembic:alembic/versions"}


def test_a_named_versions_file_is_the_chain_not_the_convention():
    (touches,) = read("Create Alembic migration in backend/alembic/versions/001_users.py")
    assert keys(touches, Kind.MIGRATION) == {"alembic:backend/alembic/versions"}


def test_migrations_run_at_startup_are_not_new_revisions():
    (touches,) = read('Add database migration to container startup (run "alembic upgrade head")')
    assert keys(touches, Kind.MIGRATION) == set()


@pytest.mark.parametrize("path", ["database/migrations/003_add_index.sql",
                                  "supabase/migrations/**",
                                  "supabase/migrations/*_notification_tokens.sql"])
def test_sql_migration_folders_are_one_chain(path):
    (touches,) = read(f"Create `{path}`")
    assert {k.split(":", 1)[0] for k in keys(touches, Kind.MIGRATION)} == {"sql"}


def test_sql_files_elsewhere_are_not_a_chain():
    (touches,) = read("Create `database/seed.sql`")
    assert keys(touches, Kind.MIGRATION) == set()


def test_django_settings_by_name_write_the_settings_module():
    _first, second = read("Add INSTALLED_APPS for all apps in rtutils/settings.py (Django)",
                         "Configure DATABASES to use SQLite")
    assert keys(second, mode=Mode.WRITE) == {"rtutils/settings.py"}


def test_setting_names_outside_django_are_not_settings_edits():
    (touches,) = read("Configure DATABASES for the Node service")
    assert keys(touches) == set()


def test_a_bare_name_a_few_words_before_its_directory_joins_it():
    assert paths("Write backend README.md with setup instructions in backend/") == [
        "backend/README.md"]


def test_a_bare_name_in_another_clause_does_not_join_a_later_directory():
    assert paths("Update README.md, then create tests in backend/") == ["README.md", "backend/"]


def test_a_mixed_project_adds_each_package_on_its_own_side():
    _, e2e, api = read("Create backend/requirements.txt (FastAPI) and frontend/package.json",
                           "Add E2E tests using Playwright in frontend/e2e/",
                           "Rate limiting with slowapi in backend/app/main.py")
    assert "frontend/package.json" in keys(e2e, mode=Mode.WRITE)
    assert "backend/requirements.txt" not in keys(e2e)
    assert "backend/requirements.txt" in keys(api, mode=Mode.WRITE)
    assert "frontend/package.json" not in keys(api)


def test_initialising_a_node_project_writes_its_package_json():
    _, init = read("Set up frontend/package.json for the Next.js app",
                   "Initialize Next.js project in frontend/ with TypeScript")
    assert {"frontend/package.json", "frontend/package-lock.json"} <= keys(init, mode=Mode.WRITE)


def test_a_python_project_does_not_get_a_package_json():
    (touches,) = read("Initialize the Python project with uv in backend/")
    assert not any(k.endswith("package.json") for k in keys(touches))


def test_a_markdown_fence_is_prose():
    (touches,) = read("```markdown\n4. Add rate limiting\n   - Install slowapi\n"
                      "   - Create migration for existing tokens\n```")
    assert keys(touches, Kind.DEPENDENCY) == {"slowapi"}
    assert keys(touches, Kind.MIGRATION) == {"alembic:alembic/versions"}


def test_a_shell_fence_is_not_read_as_prose():
    (touches,) = read("```bash\necho 'Install slowapi and create migration'\n```")
    assert keys(touches, Kind.DEPENDENCY) == set() and keys(touches, Kind.MIGRATION) == set()


def test_a_glob_with_a_directory_is_an_area():
    (touches,) = read("- Files affected: All files in `src/app/api/**/*.ts`")
    assert keys(touches, Kind.AREA, Mode.WRITE) == {"src/app/api/**/*.ts"}


def test_a_typescript_only_plan_gets_no_python_manifest():
    _, second = read("Update `src/lib/supabase/calendar.ts`", "All Supabase queries filter rows")
    assert not {"requirements.txt", "pyproject.toml"} & keys(second)


def test_a_venv_python_option_is_not_the_venv_path():
    (touches,) = read("Run `uv venv --python 3.13.3`")
    assert keys(touches, Kind.VENV) == {".venv"}


def test_an_example_file_is_read():
    (touches,) = read("ensure basic scripts (like app.py) run without errors")
    assert keys(touches, mode=Mode.WRITE) == set()


def test_endpoints_go_into_the_one_app_module_when_the_plan_names_no_route_module():
    _, second = read("Set up main.py to create a FastAPI instance",
                     "Provide an API endpoint for login")
    assert keys(second, mode=Mode.WRITE) == {"main.py"}


def test_no_app_module_guess_when_the_plan_has_route_modules():
    _, _, third = read("Set up main.py with FastAPI", "Create app/routes/users.py",
                       "Provide an API endpoint for login")
    assert keys(third) == set()


def test_new_routes_and_middleware_are_registered_in_fastapis_main_module():
    first, second, third = read(
        "Add rate limiting: install slowapi, create rate limit middleware",
        "Create knowledge API routes",
        "Fix CORS configuration: restrict origins")
    for touches in (first, second, third):
        assert "main.py" in keys(touches, mode=Mode.WRITE)
    detail = next(t.detail for t in first if t.resource.key == "main.py")
    assert "registers its middleware" in detail


def test_the_app_module_the_repository_or_plan_names_is_the_one_registered_in():
    _, second = read("Fix the key derivation in backend/app/main.py for FastAPI",
                     "Create rate limit middleware")
    assert keys(second, mode=Mode.WRITE) == {"backend/app/main.py"}


def test_editing_routes_or_a_plan_without_a_web_framework_registers_nothing():
    _, second, third = read("Set up the FastAPI project with uvicorn",
                            "Add authentication to all protected routes",
                            "Extract business logic from routers")
    assert keys(second) == keys(third) == set()
    _, second = read("Set up the Django project", "Create knowledge API routes")
    assert keys(second) == set()
    _, second = read("Serve the Django project with uvicorn", "Create knowledge API routes")
    assert keys(second) == set()


_WEB = ("Create backend/app/main.py and backend/app/models/task.py",
        "Create frontend/components/tasks/task-list.tsx and frontend/lib/api.ts")


def test_fix_all_with_a_checker_sweeps_the_side_it_names_or_the_tools_side():
    *_, ruff, eslint, strict = read(
        *_WEB, "Run Python linting (ruff/black) and fix all backend errors",
        "Run ESLint and fix all frontend linting errors",
        "Add TypeScript strict mode checks and fix type errors")
    assert keys(ruff, Kind.AREA, Mode.WRITE) == {"backend/app/"}  # the app module's package
    assert keys(eslint, Kind.AREA, Mode.WRITE) == keys(strict, Kind.AREA, Mode.WRITE) == {
        "frontend/"}


def test_a_change_to_all_of_a_part_sweeps_the_directory_the_plan_names_for_it():
    *_, logging, spinners = read(*_WEB, "Add logging to all backend operations with structlog",
                                 "Add loading spinners to all async operations in task components")
    assert keys(logging, Kind.AREA, Mode.WRITE) == {"backend/app/"}
    assert keys(spinners, Kind.AREA, Mode.WRITE) == {"frontend/components/tasks/"}


def test_no_sweep_without_a_named_directory_a_checker_or_when_the_task_names_its_files():
    *_, lint, fix, scoped, nowhere = read(
        *_WEB, "Run ruff and fix all errors in backend/app/models/task.py",
        "Fix all bugs reported by users",
        "Add error handling to all API functions in frontend/lib/api.ts",
        "Add logging to all worker operations")
    assert keys(lint, Kind.AREA) == keys(fix, Kind.AREA) == keys(scoped, Kind.AREA) == set()
    assert keys(nowhere, Kind.AREA) == set()
    assert keys(scoped, mode=Mode.WRITE) == {"frontend/lib/api.ts"}


def test_all_of_a_top_level_directory_is_that_directory():
    _, second = read("Move label templates to templates/labels/", "Update all templates: url tags")
    assert keys(second, Kind.AREA, Mode.WRITE) == {"templates/"}


def test_all_of_a_word_that_is_no_directory_is_nothing():
    _, second = read("Move label templates to templates/labels/", "Fix all warnings")
    assert keys(second, Kind.AREA) == set()


def test_a_task_adding_a_package_and_an_endpoint_still_registers_it():
    _, second = read("Set up main.py to create a FastAPI instance",
                     "Login client using httpx; provide an API endpoint for login")
    assert {"main.py", "requirements.txt"} <= keys(second, mode=Mode.WRITE)


# --- fuzz: any text is read without an error, in time proportional to its length ------------

_PIECES = [
    *"abcXY019 ./_-*`'\"()[]{}@:=,;#│├└─\n",
    "src/", "main.py", " in ", " from ", "all files in ", "```", "```markdown\n", "cd ",
    "git checkout ", "pip install ", "alembic", "Django", "celery", "├── ", "    ", "/api/",
    "0001_x.py", "backend/", " (", ")", "Create ", "per ", "INSTALLED_APPS",
    "supabase/migrations/", " fix all backend lint errors", " to all task components in ",
    "create rate limit middleware", "FastAPI", "使用",
]


@pytest.mark.parametrize("seed", range(200))
def test_fuzz_any_text_is_read(seed):
    rng = random.Random(seed)
    text = "".join(rng.choice(_PIECES) for _ in range(rng.randint(0, 120)))
    for mention in path_mentions(text):
        assert mention.path and not mention.path.startswith("/")
    walker = TreeWalker()
    for line in text.splitlines():
        walker.feed(line)
    read(text, text[::-1])


def test_fuzz_a_long_line_of_punctuation_is_quick():
    line = "(`" * 50_000 + "a.py" + ")" * 50_000
    started = time.perf_counter()
    read(line)
    assert time.perf_counter() - started < 5


def test_a_bare_name_with_thousands_of_candidates_is_quickly_ambiguous():
    tasks = [f"Create src/pkg{i}/__init__.py" for i in range(3000)] + ["Edit __init__.py"]
    started = time.perf_counter()
    touches = read(*tasks)[-1]
    assert keys(touches) == {"__init__.py"}
    assert time.perf_counter() - started < 20


def test_many_directories_with_unclosed_parentheses_stay_linear():
    line = " ".join(f"in d{i}/ (a{i}.py" for i in range(5000))
    started = time.perf_counter()
    path_mentions(line)
    assert time.perf_counter() - started < 5


def test_a_line_written_twice_is_code_in_a_fence_and_prose_outside_it():
    """The reading of a line the plan repeats is kept, per line and per fence: the same
    words are a command in a fenced block and prose outside one."""
    fenced = "```bash\nmkdocs serve -a localhost:8123\n```"
    prose = "mkdocs serve -a localhost:8123"
    tasks = read(fenced, prose, fenced, prose)
    assert [keys(t, Kind.PORT) for t in tasks] == [{"8123"}, set(), {"8123"}, set()]
