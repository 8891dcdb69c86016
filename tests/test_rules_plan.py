"""Every rule on plans: the case it must flag, and the near-miss it must not."""

from __future__ import annotations


def scan(cli, plan, text, *extra, name="tasks.md"):
    result = cli("plan", plan(text, name), "--format", "json", "--fail-on", "never", *extra)
    assert result.code == 0, result.err
    return result


# --- CS101 / CS102 shared files ------------------------------------------------------------

def test_cs101_same_source_file_written_by_two_tasks(cli, plan):
    result = scan(cli, plan, """
        ## Task 1: Login
        Edit `app/views.py` to add the login view.
        ## Task 2: Logout
        Edit `app/views.py` to add the logout view.
    """)
    assert ("CS101", "app/views.py", ("Task 1: Login", "Task 2: Logout")) in result.findings()


def test_cs101_risk_comes_from_the_catalog_pattern(cli, plan):
    result = scan(cli, plan, """
        ## Task 1: A
        Add the A settings to `proj/settings.py`.
        ## Task 2: B
        Add the B settings to `proj/settings.py`.
    """)
    finding = next(f for f in result.json["findings"] if f["rule"] == "CS101")
    assert finding["risk"] == "medium"
    assert "every feature adds its settings here" in finding["message"]


def test_cs101_not_for_a_file_one_task_writes_and_another_reads(cli, plan):
    result = scan(cli, plan, """
        ## Task 1: Models
        Change `app/models.py`.
        ## Task 2: Report
        Create `app/report.py`, based on `app/models.py` (read it, do not modify it).
    """)
    assert "CS101" not in result.rules()


def test_cs101_two_tasks_registering_middleware_and_routes_in_the_fastapi_app(cli, plan):
    result = scan(cli, plan, """
        ## Task 1: Security
        Install slowapi and create rate limit middleware.
        ## Task 2: Knowledge
        Create knowledge API routes.
    """)
    assert ("CS101", "main.py", ("Task 1: Security", "Task 2: Knowledge")) in result.findings()


def test_cs101_not_for_a_task_that_edits_routes_instead_of_adding_them(cli, plan):
    result = scan(cli, plan, """
        ## Task 1: Security
        Install slowapi and create rate limit middleware.
        ## Task 2: Auth
        Add authentication to all protected routes.
    """)
    assert "CS101" not in result.rules()


def test_cs102_directory_scope_contains_another_tasks_file(cli, plan):
    result = scan(cli, plan, """
        ## Task 1: Refactor auth
        Owns `src/auth/`.
        ## Task 2: Token bug
        Fix the expiry in `src/auth/tokens.py`.
    """)
    expected = ("CS102", "src/auth/tokens.py", ("Task 1: Refactor auth", "Task 2: Token bug"))
    assert expected in result.findings()


def test_cs102_a_sweep_collides_once_with_the_files_written_inside_beside_it(cli, plan):
    result = scan(cli, plan, """
        ## Phase 1: Setup
        - [ ] T001 Create backend/app/main.py and backend/app/db.py
        ## Phase 2: Polish
        - [ ] T002 [P] Run ruff and fix all backend errors
        - [ ] T003 [P] Add logging to all backend operations
        - [ ] T004 [P] Add security headers in backend/app/security.py
        - [ ] T005 [P] Add pooling in backend/app/db.py
    """)
    swept = [f for f in result.json["findings"] if f["rule"] == "CS102"]
    # each file inside, with both sweeps; T001 comes before; no separate finding for the sweeps
    assert [(f["severity"], f["resource"]["key"], sorted(f["workstreams"])) for f in swept] == [
        ("warning", "backend/app/db.py", ["T002", "T003", "T005"]),
        ("warning", "backend/app/security.py", ["T002", "T003", "T004"])]


def test_cs102_not_for_a_sweep_sequenced_after_the_files_inside(cli, plan):
    result = scan(cli, plan, """
        ## Phase 1: Build
        - [ ] T001 Create backend/app/main.py and backend/app/db.py
        ## Phase 2: Polish
        - [ ] T002 Run ruff and fix all backend errors
    """)
    assert {f["severity"] for f in result.json["findings"] if f["rule"] == "CS102"} <= {"note"}


def test_cs102_not_for_sibling_directories(cli, plan):
    result = scan(cli, plan, """
        ## Task 1: Auth
        Owns `src/auth/`.
        ## Task 2: Authz
        Owns `src/authz/` and `src/authz/rules.py`.
    """)
    assert "CS102" not in result.rules()


# --- CS201 / CS202 dependencies ------------------------------------------------------------

def test_cs201_two_tasks_adding_packages(cli, plan):
    result = scan(cli, plan, """
        ## Task 1: Auth
        Add pyjwt for authentication.
        ## Task 2: Billing
        Run `pip install stripe` and add it to requirements.txt.
    """)
    finding = next(f for f in result.json["findings"] if f["rule"] == "CS201")
    assert finding["resource"]["key"] == "requirements.txt"
    assert finding["severity"] == "error"
    assert "pyjwt" in finding["mitigation"] and "stripe" in finding["mitigation"]


def test_cs201_reports_pins_that_cannot_both_hold(cli, plan):
    result = scan(cli, plan, """
        ## Task 1: Queue
        `pip install redis==5.0.1`
        ## Task 2: Worker
        `pip install "redis>=4,<5"`
    """)
    finding = next(f for f in result.json["findings"] if f["rule"] == "CS201")
    assert "cannot both hold" in finding["message"]


def test_cs201_not_for_tasks_that_only_install_from_requirements(cli, plan):
    """Two tasks in different modules that both install and test: no dependency finding."""
    result = scan(cli, plan, """
        ## Task 1: Auth module
        Work in `src/auth/`.
        ```bash
        pip install -r requirements.txt
        pytest tests/auth/
        ```
        ## Task 2: API module
        Work in `src/api/`.
        ```bash
        pip install -r requirements.txt
        pytest tests/api/
        ```
    """)
    assert result.json["findings"] == []


def test_cs201_not_for_prose_that_merely_says_add(cli, plan):
    result = scan(cli, plan, """
        ## Task 1: Login
        Add login for users in `app/login.py`.
        ## Task 2: Search
        Add search to the list page in `app/search.py`.
    """)
    assert not result.rules() & {"CS201", "CS202"}


def test_cs202_lockfile_and_lock_command_for_poetry(cli, plan):
    result = scan(cli, plan, """
        ## Task 1: A
        `poetry add httpx`
        ## Task 2: B
        `poetry add orjson`
    """)
    lock = next(f for f in result.json["findings"] if f["rule"] == "CS202")
    assert lock["resource"]["key"] == "poetry.lock"
    assert lock["command"] == "poetry lock"


def test_cs202_not_for_installs_from_the_lock(cli, plan):
    result = scan(cli, plan, """
        ## Task 1: A
        `uv sync` then edit `a/x.py`
        ## Task 2: B
        `uv sync` then edit `b/y.py`
    """)
    assert "CS202" not in result.rules()


# --- CS303 migrations ----------------------------------------------------------------------

def test_cs303_two_tasks_planning_alembic_migrations(cli, plan):
    result = scan(cli, plan, """
        ## Task 1: Users
        Alembic migration for the new users table.
        ## Task 2: Orders
        `alembic revision --autogenerate -m "orders"`
    """)
    finding = next(f for f in result.json["findings"] if f["rule"] == "CS303")
    assert finding["command"] == 'alembic merge -m "merge parallel heads" heads'
    assert finding["severity"] == "error"


def test_cs303_not_for_tasks_that_run_migrations(cli, plan):
    result = scan(cli, plan, """
        ## Task 1: Users
        Run the migrations with `alembic upgrade head`, then edit `users/api.py`.
        ## Task 2: Orders
        Apply all migrations, then edit `orders/api.py`.
    """)
    assert "CS303" not in result.rules()


def test_cs303_not_for_separate_alembic_branch_labels(cli, plan):
    result = scan(cli, plan, """
        ## Task 1: Billing schema
        `alembic revision -m "invoices" --head billing@head`
        ## Task 2: Audit schema
        `alembic revision -m "events" --head audit@head`
    """)
    assert "CS303" not in result.rules()


def test_cs303_django_same_app_but_not_different_apps(cli, plan):
    result = scan(cli, plan, """
        ## Task 1: Profile
        `python manage.py makemigrations accounts`
        ## Task 2: Avatar
        `python manage.py makemigrations accounts`
        ## Task 3: Tags
        `python manage.py makemigrations blog`
    """)
    assert [f for f in result.findings() if f[0] == "CS303"] == [
        ("CS303", "django:accounts", ("Task 1: Profile", "Task 2: Avatar"))]
    finding = next(f for f in result.json["findings"] if f["rule"] == "CS303")
    assert finding["command"] == "python manage.py makemigrations --merge accounts"


def test_cs303_is_a_note_when_the_tasks_are_sequenced(cli, plan):
    result = scan(cli, plan, """
        ## Task 1: Users
        `alembic revision -m "users"`
        ## Task 2: Orders
        Depends on: Task 1
        `alembic revision -m "orders"`
    """)
    finding = next(f for f in result.json["findings"] if f["rule"] == "CS303")
    assert finding["severity"] == "note"
    assert "one after the other" in finding["message"]


# --- CS4xx environment ---------------------------------------------------------------------

def test_cs401_same_default_port(cli, plan):
    result = scan(cli, plan, """
        ## Task 1: API
        `uvicorn app.main:app --reload`
        ## Task 2: Admin
        `python manage.py runserver`
    """)
    finding = next(f for f in result.json["findings"] if f["rule"] == "CS401")
    assert finding["resource"]["key"] == "8000"
    assert "8001" in finding["mitigation"]


def test_cs401_not_for_explicit_distinct_ports_or_sequenced_tasks(cli, plan):
    result = scan(cli, plan, """
        ## Task 1: API
        `uvicorn app.main:app --port 8000`
        ## Task 2: Admin
        `flask run -p 8001`
        ## Task 3: Docs
        Depends on: Task 1
        `uvicorn docs.app:app --port 8000`
    """)
    assert "CS401" not in result.rules()


def test_cs402_same_test_database(cli, plan):
    result = scan(cli, plan, """
        ## Task 1: A
        `DATABASE_URL=postgresql://app:secret@localhost:5432/app_test pytest`
        ## Task 2: B
        `DATABASE_URL=postgres://localhost/app_test pytest`
    """)
    expected = ("CS402", "postgresql://localhost/app_test", ("Task 1: A", "Task 2: B"))
    assert expected in result.findings()


def test_cs402_not_for_databases_per_task(cli, plan):
    result = scan(cli, plan, """
        ## Task 1: A
        `DATABASE_URL=sqlite:///a.db pytest`
        ## Task 2: B
        `DATABASE_URL=sqlite:///b.db pytest`
    """)
    assert "CS402" not in result.rules()


def test_cs403_two_tasks_editing_env(cli, plan):
    result = scan(cli, plan, """
        ## Task 1: A
        Add STRIPE_KEY to `.env`.
        ## Task 2: B
        Add JWT_SECRET to `.env`.
    """)
    assert ("CS403", ".env", ("Task 1: A", "Task 2: B")) in result.findings()


def test_cs403_not_for_env_example_or_reading_env(cli, plan):
    result = scan(cli, plan, """
        ## Task 1: A
        Add STRIPE_KEY to `.env.example`.
        ## Task 2: B
        Load settings from `.env`.
    """)
    assert "CS403" not in result.rules()


def test_cs404_and_cs405_shared_venv_symlink(cli, plan):
    result = scan(cli, plan, """
        ## Task 1: A
        `ln -s ../shared-venv venv` then `pip install pyjwt==2.8.0`
        ## Task 2: B
        `pip install stripe`
        ## Task 3: C
        `python -m venv venv`
    """)
    # Task 2 installs into the default .venv; name the shared one explicitly:
    assert "CS405" in result.rules()
    result = scan(cli, plan, """
        ## Task 1: A
        `ln -s ../shared-venv .venv` then `pip install pyjwt==2.8.0`
        ## Task 2: B
        `pip install stripe`
    """, name="two.md")
    assert ("CS404", ".venv", ("Task 1: A", "Task 2: B")) in result.findings()


def test_cs404_not_for_unchanged_requirements_into_shared_venv(cli, plan):
    result = scan(cli, plan, """
        ## Task 1: A
        `ln -s ../shared-venv .venv` then `pip install -r requirements.txt`
        ## Task 2: B
        `pip install -r requirements.txt`
    """)
    assert not result.rules() & {"CS404", "CS405"}


# --- CS5xx plan shape ----------------------------------------------------------------------

def test_cs501_feature_sliced_tasks(cli, plan):
    result = scan(cli, plan, """
        ## Task 1: Login
        Edit `app/models/user.py`, `app/api/login.py` and `app/settings/auth.py`.
        ## Task 2: Register
        Edit `app/models/signup.py`, `app/api/register.py` and `app/settings/mail.py`.
    """)
    (sliced,) = [f for f in result.json["findings"] if f["rule"] == "CS501"]
    assert set(sliced["workstreams"]) == {"Task 1: Login", "Task 2: Register"}
    assert "2 tasks are sliced by feature" in sliced["message"]
    assert "Slice by module" in sliced["mitigation"]


def test_cs501_not_when_the_shared_files_are_already_reported(cli, plan):
    # every layer the two tasks meet in is one shared file (or manifest, or chain): CS101,
    # CS201 and CS303 name each of them, and CS501 would only repeat them
    result = scan(cli, plan, """
        ## Task 1: Login
        Add pyjwt. Add a migration for users. Edit `app/models.py` and `app/api/users.py`.
        ## Task 2: Register
        Add bcrypt. Add a migration for sign-ups. Edit `app/models.py` and `app/api/users.py`.
    """)
    assert {"CS101", "CS201", "CS303"} <= result.rules()
    assert "CS501" not in result.rules()


def test_cs501_not_for_module_sliced_tasks(cli, plan):
    result = scan(cli, plan, """
        ## Task 1: Login
        Add pyjwt. Edit `app/auth/login.py` and `app/auth/tokens.py` and `app/auth/views.py`.
        ## Task 2: Search
        Edit `app/search/index.py` and `app/search/views.py`.
    """)
    assert "CS501" not in result.rules()


def test_cs502_task_with_no_scope(cli, plan):
    result = scan(cli, plan, """
        ## Task 1: Polish the UI
        Make it nicer.
        ## Task 2: Login
        Edit `app/login.py`.
    """)
    assert ("CS502", None, ("Task 1: Polish the UI",)) in result.findings()
    assert len([f for f in result.findings() if f[0] == "CS502"]) == 1


# --- precision of touch prediction on real plan wording ---------------------------------------

def test_routes_and_product_names_are_not_files(cli, plan):
    result = scan(cli, plan, """
        ## Task 1: API
        Create the endpoint `/api/teams` in `backend/teams.py`. Works with Node.js 20.
        ## Task 2: Front end
        Call `/api/teams` from `frontend/Teams.tsx`, as Node.js apps do.
    """)
    assert result.json["findings"] == []


def test_using_a_library_is_not_adding_it(cli, plan):
    result = scan(cli, plan, """
        ## Task 1: Teams
        Use SQLAlchemy models in `backend/models/team.py`.
        ## Task 2: Invites
        Using SQLAlchemy, write `backend/models/invite.py`.
    """)
    assert not result.rules() & {"CS201", "CS202"}


def test_a_named_requirements_file_wins_over_the_convention(cli, plan):
    result = scan(cli, plan, """
        ## Task 1: Slugs
        Add `python-slugify` for team slugs (update `backend/requirements.txt`).
        ## Task 2: Mail
        Add the `sendgrid` package to `backend/requirements.txt`.
    """)
    manifests = {f[1] for f in result.findings() if f[0] == "CS201"}
    assert manifests == {"backend/requirements.txt"}


def test_the_verb_nearest_the_path_decides_its_mode(cli, plan):
    result = scan(cli, plan, """
        ## Task 1: Teams
        Create `app/routers/teams.py` and register it in `app/main.py`.
        ## Task 2: Users
        Follow the style of `app/routers/teams.py` (do not modify it) and register the new
        router in `app/main.py`.
    """)
    modes = {(w["id"], t["key"]): t["mode"] for w in result.json["workstreams"]
             for t in w["touches"]}
    assert modes[("Task 1: Teams", "app/routers/teams.py")] == "create"
    assert modes[("Task 1: Teams", "app/main.py")] == "write"
    assert modes[("Task 2: Users", "app/routers/teams.py")] == "read"
    assert [f[1] for f in result.findings() if f[0] == "CS101"] == ["app/main.py"]


# --- CS402 test databases on the plan's one server ------------------------------------------

def test_cs402_django_tests_on_one_postgres_server_in_parallel_tasks(cli, plan):
    result = scan(cli, plan, """
        ## Task 1: Accounts
        Django on PostgreSQL: edit `accounts/views.py`, then run `python manage.py test accounts`.
        ## Task 2: Billing
        Edit `billing/views.py`, then run `python manage.py test billing`.
    """)
    (finding,) = [f for f in result.json["findings"] if f["rule"] == "CS402"]
    assert finding["severity"] == "warning"
    assert set(finding["workstreams"]) == {"Task 1: Accounts", "Task 2: Billing"}


def test_cs402_pytest_on_one_server_is_only_a_note(cli, plan):
    result = scan(cli, plan, """
        ## Task 1: Accounts
        Edit `app/accounts.py`, then run `pytest tests/test_accounts.py` (docker-compose Postgres).
        ## Task 2: Billing
        Edit `app/billing.py`, then run `pytest tests/test_billing.py`.
    """)
    (finding,) = [f for f in result.json["findings"] if f["rule"] == "CS402"]
    assert finding["severity"] == "note"


def test_cs402_not_without_a_database_server(cli, plan):
    result = scan(cli, plan, """
        ## Task 1: Accounts
        Edit `accounts/views.py`, then run `python manage.py test accounts`.
        ## Task 2: Billing
        Edit `billing/views.py`, then run `python manage.py test billing`.
    """)
    assert "CS402" not in result.rules()


def test_cs402_not_when_each_worktree_has_its_own_database(cli, plan):
    result = scan(cli, plan, """
        ## Task 1: Accounts
        Django with PostgreSQL; each worktree uses its own database (name from `.env`).
        Edit `accounts/views.py`, then run `python manage.py test accounts`.
        ## Task 2: Billing
        Edit `billing/views.py`, then run `python manage.py test billing`.
    """)
    assert "CS402" not in result.rules()


# --- CS408 one checkout switched between branches by parallel sessions -----------------------

def test_cs408_sessions_switching_one_checkout(cli, plan):
    result = scan(cli, plan, """
        ## Agent 1: Login
        `cd ~/src/shop && git checkout -b feat/login`, then edit `app/login.py`.
        ## Agent 2: Billing
        `cd ~/src/shop && git checkout -b feat/billing`, then edit `app/billing.py`.
    """)
    (finding,) = [f for f in result.json["findings"] if f["rule"] == "CS408"]
    assert finding["severity"] == "error"
    assert finding["resource"] == {"kind": "checkout", "key": "~/src/shop"}
    assert "git worktree add" in finding["mitigation"]


def test_cs408_not_for_sessions_in_their_own_worktrees(cli, plan):
    result = scan(cli, plan, """
        ## Agent 1: Login
        `git worktree add ../shop-login feat/login && cd ../shop-login && git checkout feat/login`
        ## Agent 2: Billing
        `git worktree add ../shop-billing feat/billing && cd ../shop-billing`, then
        `git checkout feat/billing`.
    """)
    assert "CS408" not in result.rules()


def test_cs408_not_for_restoring_files_or_sequenced_sessions(cli, plan):
    result = scan(cli, plan, """
        ## Agent 1: Login
        `cd ~/src/shop && git checkout -- app/login.py`
        ## Agent 2: Billing
        Depends on: Agent 1
        `cd ~/src/shop && git checkout feat/billing`
        ## Agent 3: Docs
        Depends on: Agent 2
        `cd ~/src/shop && git checkout feat/docs`
    """)
    assert "CS408" not in result.rules()


# --- noise: a task's own files -------------------------------------------------------------

def test_no_finding_on_a_tasks_own_files(cli, plan):
    # one task owns `src/auth/`, creates a file in it and edits it again later; another task
    # writes elsewhere: nothing is shared, so nothing is reported
    result = scan(cli, plan, """
        ## Task 1: Auth
        Owns `src/auth/`. Create `src/auth/tokens.py`, then update `src/auth/tokens.py` and
        register it in `src/auth/__init__.py`.
        ```
        src/auth/
        ├── __init__.py
        └── tokens.py
        ```
        ## Task 2: Search
        Edit `src/search/index.py`; see `src/auth/tokens.py` for the token format.
    """)
    assert [f for f in result.json["findings"] if f["severity"] != "note"] == []
    assert not result.rules() & {"CS101", "CS102", "CS501"}


def test_cs102_all_files_of_a_glob_is_a_warning_on_the_file_inside(cli, plan):
    result = scan(cli, plan, """
        ## Task 1: Calendar
        Fix the 400 errors in `src/app/api/calendar/events/route.ts`.
        ## Task 2: Logging
        Files affected: All files in `src/app/api/**/*.ts`
    """)
    (finding,) = [f for f in result.json["findings"] if f["rule"] == "CS102"]
    assert finding["resource"]["key"] == "src/app/api/calendar/events/route.ts"
    assert finding["severity"] == "warning"


def test_cs102_an_owned_directory_is_only_a_note(cli, plan):
    result = scan(cli, plan, """
        ## Task 1: Calendar
        Fix the 400 errors in `src/app/api/calendar/events/route.ts`.
        ## Task 2: API
        Owns `src/app/api/`.
    """)
    (finding,) = [f for f in result.json["findings"] if f["rule"] == "CS102"]
    assert finding["severity"] == "note"


# --- --repo resolves bare names to the one tracked path ------------------------------------

def test_repo_resolves_a_bare_name_to_its_one_tracked_path(cli, plan, repo):
    root = repo({"src/backend/main.py": "app = None\n", "src/backend/db.py": "x = 1\n"})
    result = scan(cli, plan, """
        ## Task 1: Auth
        Register the auth router in main.py.
        ## Task 2: Billing
        Register the billing router in `src/backend/main.py`.
    """, "--repo", root)
    assert ("CS101", "src/backend/main.py", ("Task 1: Auth", "Task 2: Billing")) \
        in result.findings()


def test_repo_leaves_an_ambiguous_bare_name_and_says_so(cli, plan, repo):
    root = repo({"api/main.py": "a = 1\n", "worker/main.py": "b = 1\n"})
    result = scan(cli, plan, """
        ## Task 1: Auth
        Register the auth router in main.py.
        ## Task 2: Billing
        Edit `worker/main.py`.
    """, "--repo", root)
    (task,) = [w for w in result.json["workstreams"] if w["id"] == "Task 1: Auth"]
    (touch,) = [t for t in task["touches"] if t["key"] == "main.py"]
    assert "ambiguous" in touch["detail"] and "api/main.py" in touch["detail"]
    assert "CS101" not in result.rules()


def test_cs502_once_for_a_plan_that_mostly_names_no_files(cli, plan):
    result = scan(cli, plan, """
        ## Task 1: Polish the UI
        Make it nicer.
        ## Task 2: Speed
        Make it faster.
        ## Task 3: Docs
        Explain it better.
        ## Task 4: Login
        Edit `app/login.py`.
    """)
    (finding,) = [f for f in result.json["findings"] if f["rule"] == "CS502"]
    assert "3 of 4 tasks" in finding["message"]
    assert finding["workstreams"] == ["Task 1: Polish the UI", "Task 2: Speed", "Task 3: Docs"]
