"""The mixed scenario: every signed-in person does their daily work at once, through the
real pages and forms, for a fixed time.

FLOs and agency heads browse, submit RFIs (one in ten names protected activity and goes
to privacy review), close answered ones, read and acknowledge products and RSVP to
briefings; the privacy officer approves; coordinators accept and assign; analysts answer;
the administrator reads the audit trail and the user list. Work is handed on through
in-process queues, so two people never race for the same RFI: any 4xx/5xx is an error.
"""

from __future__ import annotations

import queue
import random
import re
import statistics
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta

from bench.load.client import Browser, Form, form_with

REF = re.compile(r"RFI-\d{4}-\d{5,}")
RFI_PATH = re.compile(r"/rfis/(\d+)$")
PRODUCT_LINK = re.compile(r'href="/products/(\d+)"')
BRIEFING_LINK = re.compile(r'href="/briefings/(\d+)"')


@dataclass
class Shared:
    deadline: float
    today: object
    analysts: list[int]
    lock: threading.Lock = field(default_factory=threading.Lock)
    times: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    done: Counter = field(default_factory=Counter)
    submitted: list[tuple[int, str, str]] = field(default_factory=list)  # id, ref, email
    to_privacy: queue.Queue = field(default_factory=queue.Queue)
    to_triage: queue.Queue = field(default_factory=queue.Queue)
    to_answer: dict[int, queue.Queue] = field(default_factory=dict)
    to_close: dict[str, queue.Queue] = field(default_factory=dict)


class Person:
    def __init__(self, browser: Browser, account, shared: Shared, seed: int):
        self.b, self.account, self.s = browser, account, shared
        self.rng = random.Random(seed)

    # --- requests, timed and checked ---------------------------------------------------

    def _check(self, what: str, resp, started: float):
        elapsed = time.perf_counter() - started
        with self.s.lock:
            self.s.times.append(elapsed)
            bad = resp.status_code >= 400 or "/auth/login" in resp.url
            if bad:
                self.s.errors.append(f"{self.account.role} {what}: {resp.status_code} {resp.url}")
        return None if bad else resp

    def get(self, path: str):
        started = time.perf_counter()
        try:
            resp = self.b.get(path)
        except Exception as exc:
            with self.s.lock:
                self.s.errors.append(f"{self.account.role} GET {path}: {exc!r}")
            return None
        return self._check(f"GET {path}", resp, started)

    def post(self, page, form: Form | None, values: dict, what: str):
        if form is None:
            with self.s.lock:
                self.s.errors.append(f"{self.account.role} {what}: form missing on {page.url}")
            return None
        data = {}
        for key, value in values.items():  # "answer" fills "answer-answer" (prefixed forms)
            names = [n for n in form.fields if n == key or n.endswith("-" + key)]
            for name in names or [key]:
                data[name] = value
        started = time.perf_counter()
        try:
            resp = self.b.post_form(form, data, referer=page.url)
        except Exception as exc:
            with self.s.lock:
                self.s.errors.append(f"{self.account.role} {what}: {exc!r}")
            return None
        resp = self._check(what, resp, started)
        if resp is not None:
            with self.s.lock:
                self.s.done[what] += 1
        return resp

    def browse(self, *paths: str) -> None:
        for path in paths:
            self.get(path)

    # --- the people ------------------------------------------------------------------

    def run(self) -> None:
        work = getattr(self, f"day_{self.account.role}")
        while time.monotonic() < self.s.deadline:
            work()

    def day_liaison_officer(self) -> None:
        r = self.rng.random()
        if r < 0.25:
            self.submit_rfi()
        elif r < 0.35:
            self.close_answered()
        elif r < 0.6:
            self.read_product()
        elif r < 0.75:
            self.rsvp()
        else:
            self.browse("/dashboard", "/rfis/", "/notifications/")

    def day_agency_head(self) -> None:
        r = self.rng.random()
        if r < 0.2:
            self.submit_rfi()
        elif r < 0.3:
            self.close_answered()
        elif r < 0.5:
            self.read_product()
        else:
            self.browse("/dashboard", "/rfis/agency", "/roster/officers")

    def day_coordinator(self) -> None:
        try:
            rfi_id = self.s.to_triage.get_nowait()
        except queue.Empty:
            path = self.rng.choice(
                ["/dashboard", "/roster/officers", "/roster/coverage", "/products/"]
            )
            self.browse("/rfis/queue?status=submitted", path)
            time.sleep(0.05)
            return
        page = self.get(f"/rfis/{rfi_id}")
        if page is None:
            return
        page = self.post(page, form_with(page, "/do/accept"), {}, "accept RFI")
        if page is None:
            return
        analyst = self.rng.choice(self.s.analysts)
        form = form_with(page, "/do/assign")
        if self.post(page, form, {"assignee_id": str(analyst)}, "assign RFI") is not None:
            self.s.to_answer[analyst].put(rfi_id)

    def day_analyst(self) -> None:
        try:
            rfi_id = self.s.to_answer[self.account.id].get_nowait()
        except queue.Empty:
            self.browse(f"/rfis/queue?status=assigned&assignee={self.account.id}", "/products/")
            time.sleep(0.05)
            return
        page = self.get(f"/rfis/{rfi_id}")
        if page is None:
            return
        answer = "Bench answer: the depot reported two similar thefts last month."
        form = form_with(page, "/do/answer")
        if self.post(page, form, {"answer": answer}, "answer RFI") is not None:
            with self.s.lock:
                owner = next(e for i, _r, e in self.s.submitted if i == rfi_id)
            self.s.to_close[owner].put(rfi_id)

    def day_privacy_officer(self) -> None:
        try:
            rfi_id = self.s.to_privacy.get_nowait()
        except queue.Empty:
            self.browse("/rfis/privacy", "/dashboard")
            time.sleep(0.05)
            return
        page = self.get(f"/rfis/{rfi_id}")
        if page is None:
            return
        form = form_with(page, "/do/privacy_approve")
        if self.post(page, form, {"note": "Nexus stated."}, "privacy approve") is not None:
            self.s.to_triage.put(rfi_id)

    def day_admin(self) -> None:
        self.browse("/dashboard", "/audit/", "/admin/users")
        time.sleep(0.1)

    # --- partner tasks -----------------------------------------------------------------

    def submit_rfi(self) -> None:
        page = self.get("/rfis/new")
        if page is None:
            return
        flagged = self.rng.random() < 0.1
        text = "Copper theft at the rail yard: any linked vehicle or plate?"
        if flagged:
            text += " The suspects were seen near a protest."
        values = {
            "title": f"Bench RFI {self.rng.randint(0, 10**6)}",
            "question": text,
            "justification": "Series of burglaries with a criminal nexus.",
            "priority": "routine",
            "due_on": (self.s.today + timedelta(days=10)).isoformat(),
            "attestation": "y",
        }
        resp = self.post(page, form_with(page, "/rfis/new"), values, "submit RFI")
        if resp is None:
            return
        m, ref = RFI_PATH.search(resp.url), REF.search(resp.text)
        if not m or not ref:
            with self.s.lock:
                self.s.errors.append(f"submit RFI: no reference on {resp.url}")
            return
        rfi_id = int(m.group(1))
        with self.s.lock:
            self.s.submitted.append((rfi_id, ref.group(0), self.account.email))
        (self.s.to_privacy if "privacy officer reviews" in resp.text else self.s.to_triage).put(
            rfi_id
        )

    def close_answered(self) -> None:
        try:
            rfi_id = self.s.to_close[self.account.email].get_nowait()
        except queue.Empty:
            self.browse("/rfis/")
            return
        page = self.get(f"/rfis/{rfi_id}")
        if page is None:
            return
        self.post(page, form_with(page, "/do/close"), {"rating": "5"}, "close RFI")

    def read_product(self) -> None:
        feed = self.get("/products/")
        if feed is None:
            return
        ids = PRODUCT_LINK.findall(feed.text)
        if not ids:
            return
        page = self.get(f"/products/{self.rng.choice(ids[:10])}")
        if page is None:
            return
        form = form_with(page, "/acknowledge")
        if form is not None:
            self.post(page, form, {}, "acknowledge product")

    def rsvp(self) -> None:
        lst = self.get("/briefings/")
        if lst is None:
            return
        ids = BRIEFING_LINK.findall(lst.text)
        if not ids:
            return
        page = self.get(f"/briefings/{self.rng.choice(ids)}")
        if page is None:
            return
        form = form_with(page, "/rsvp")
        if form is not None:
            answer = self.rng.choice(["yes", "maybe", "no"])
            self.post(page, form, {"answer": answer}, "RSVP")


def run(browsers: list[tuple[Browser, object]], seconds: float, today) -> Shared:
    analysts = [a.id for _b, a in browsers if a.role == "analyst"]
    shared = Shared(deadline=time.monotonic() + seconds, today=today, analysts=analysts)
    shared.to_answer = {a: queue.Queue() for a in analysts}
    shared.to_close = {a.email: queue.Queue() for _b, a in browsers}
    people = [Person(b, a, shared, seed=i) for i, (b, a) in enumerate(browsers)]
    threads = [threading.Thread(target=p.run, daemon=True) for p in people]
    started = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join(seconds + 120)
    shared.done["seconds"] = round(time.monotonic() - started)
    return shared


def summary(shared: Shared) -> dict:
    times = sorted(shared.times)

    def pct(p: float) -> float:
        return times[min(len(times) - 1, int(p * len(times)))] * 1000 if times else 0.0

    secs = max(1, shared.done["seconds"])
    return {
        "requests": len(times),
        "rps": len(times) / secs,
        "p50": statistics.median(times) * 1000 if times else 0.0,
        "p95": pct(0.95),
        "p99": pct(0.99),
        "errors": len(shared.errors),
        "actions": {k: v for k, v in shared.done.items() if k != "seconds"},
        "seconds": secs,
    }
