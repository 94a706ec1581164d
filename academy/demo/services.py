"""Fill an empty database with a believable academy network (seeded, so runs are repeatable)."""

from __future__ import annotations

import logging
import random
from dataclasses import dataclass, field
from datetime import timedelta
from typing import cast

from sqlalchemy import Table, delete, func, insert, select
from sqlalchemy.orm import Session

from academy.auth import passwords
from academy.auth.models import Role, User, new_session_token
from academy.db import Base, utcnow
from academy.demo.assessments import load_assessments
from academy.demo.catalogue import load_catalogue
from academy.demo.certificates import load_certificates
from academy.demo.grading import load_grading
from academy.demo.lessons import load_lessons
from academy.demo.timetable import load_timetable
from academy.employers.models import Company, CompanyStatus
from academy.errors import DomainError
from academy.notifications.demo import load_demo_notifications
from academy.regions.services import list_regions

log = logging.getLogger(__name__)

DEMO_PASSWORD = "demo-pass-2026"  # noqa: S105 - the documented demo password
DEMO_DOMAIN = "demo.academy.uz"
# Tables whose rows every install gets from migrations: a reset keeps them.
MIGRATION_DATA_TABLES = frozenset({"regions", "skills"})

MALE_NAMES = [
    "Aziz",
    "Bekzod",
    "Doniyor",
    "Eldor",
    "Farrux",
    "Jasur",
    "Javohir",
    "Otabek",
    "Sardor",
    "Shoxrux",
    "Sherzod",
    "Timur",
    "Ulugʻbek",
    "Jamshid",
    "Diyor",
    "Abdulla",
    "Islom",
    "Murod",
]
FEMALE_NAMES = [
    "Dilnoza",
    "Gulnora",
    "Madina",
    "Malika",
    "Nigora",
    "Nilufar",
    "Sevara",
    "Shahnoza",
    "Zarina",
    "Kamola",
    "Feruza",
    "Mohira",
    "Oʻgʻiloy",
    "Durdona",
    "Laylo",
    "Sabina",
    "Yulduz",
]
SURNAMES = [
    "Abdullayev",
    "Karimov",
    "Rahimov",
    "Tursunov",
    "Yusupov",
    "Xolmatov",
    "Ergashev",
    "Nazarov",
    "Qodirov",
    "Ismoilov",
    "Mirzayev",
    "Sobirov",
    "Toshmatov",
    "Usmonov",
    "Gʻofurov",
    "Oʻrinov",
    "Saidov",
    "Hamidov",
    "Aliyev",
    "Jurayev",
]
COMPANIES = [
    ("Samarqand Outsourcing Hub", "UZ-SA", CompanyStatus.APPROVED),
    ("Tashkent Contact Centre Services", "UZ-TK", CompanyStatus.APPROVED),
    ("Fergana Valley Back Office", "UZ-FA", CompanyStatus.APPROVED),
    ("Silk Road Data Labs", "UZ-TK", CompanyStatus.APPROVED),
    ("Bukhara Bookkeeping Partners", "UZ-BU", CompanyStatus.APPROVED),
    ("Nukus Digital Services", "UZ-QR", CompanyStatus.APPROVED),
    ("Andijan QA Studio", "UZ-AN", CompanyStatus.APPROVED),
    ("Namangan Chat Support", "UZ-NG", CompanyStatus.PENDING),
    ("Khorezm Remote Teams", "UZ-XO", CompanyStatus.PENDING),
    ("Karshi HR Outsourcing", "UZ-QA", CompanyStatus.REJECTED),
]
# Rough share of the country's young people, so that the demo's regions look plausible.
REGION_WEIGHTS = {
    "UZ-TK": 9,
    "UZ-TO": 9,
    "UZ-SA": 12,
    "UZ-FA": 12,
    "UZ-AN": 10,
    "UZ-NG": 9,
    "UZ-QA": 10,
    "UZ-SU": 8,
    "UZ-BU": 6,
    "UZ-XO": 6,
    "UZ-QR": 6,
    "UZ-JI": 4,
    "UZ-NW": 3,
    "UZ-SI": 3,
}


class DatabaseNotEmpty(DomainError):
    message = "The database already has accounts; pass --reset to replace them with demo data."


@dataclass
class DemoSummary:
    counts: dict[str, int] = field(default_factory=dict)


def is_empty(session: Session) -> bool:
    return not session.scalar(select(func.count()).select_from(User))


def reset(session: Session) -> None:
    """Delete every row the app wrote, keeping the reference data migrations brought."""
    for table in reversed(Base.metadata.sorted_tables):
        if table.name not in MIGRATION_DATA_TABLES:
            session.execute(delete(table))
    session.flush()
    session.expunge_all()  # the deleted rows' objects must not meet new rows with reused ids


def _person(rng: random.Random) -> tuple[str, str]:
    female = rng.random() < 0.5
    first = rng.choice(FEMALE_NAMES if female else MALE_NAMES)
    surname = rng.choice(SURNAMES) + ("a" if female else "")
    return first, surname


def load_demo(session: Session, students: int = 300, seed: int = 2026, replace: bool = False) -> DemoSummary:
    """Demo accounts (see DESIGN.md), ``students`` students across the regions, instructors and companies."""
    if not is_empty(session):
        if not replace:
            raise DatabaseNotEmpty()
        reset(session)
    rng = random.Random(seed)
    password_hash = passwords.hash_password(DEMO_PASSWORD)  # one hash for every demo account
    now = utcnow()
    region_codes = [region.code for region in list_regions(session)]
    weights = [REGION_WEIGHTS.get(code, 1) for code in region_codes]

    companies = [
        Company(
            name=f"{name} LLC",
            tax_id=f"{300_000_001 + i:09d}",
            region_code=region,
            website=f"https://company{i + 1}.example.uz",
            status=status,
            decided_at=None if status is CompanyStatus.PENDING else now,
            created_at=now - timedelta(days=60 - i),
        )
        for i, (name, region, status) in enumerate(COMPANIES)
    ]
    session.add_all(companies)
    session.flush()

    def account(
        role: Role, email: str, first: str, last: str, region: str | None, **extra: object
    ) -> dict[str, object]:
        return {
            "role": role,
            "email": email,
            "password_hash": password_hash,
            "first_name": first,
            "last_name": last,
            "region_code": region,
            "locale": extra.pop("locale", "uz"),
            "active": True,
            "session_token": new_session_token(),
            "created_at": extra.pop("created_at", now),
            "phone": None,
            "company_id": None,
            **extra,
        }

    rows = [
        account(Role.ADMIN, f"admin@{DEMO_DOMAIN}", "Nodira", "Azimova", "UZ-TK", locale="en"),
        account(Role.INSTRUCTOR, f"instructor@{DEMO_DOMAIN}", "Rustam", "Qosimov", "UZ-SA", locale="ru"),
        account(
            Role.STUDENT, f"student@{DEMO_DOMAIN}", "Dilnoza", "Yusupova", "UZ-SA", phone="+998901234567"
        ),
        account(
            Role.EMPLOYER,
            f"employer@{DEMO_DOMAIN}",
            "Anvar",
            "Mahmudov",
            "UZ-SA",
            locale="en",
            company_id=companies[0].id,
        ),
    ]
    for i, code in enumerate(region_codes):
        first, last = _person(rng)
        rows.append(
            account(
                Role.INSTRUCTOR,
                f"instructor{i + 1}@{DEMO_DOMAIN}",
                first,
                last,
                code,
                locale=rng.choice(["uz", "ru"]),
            )
        )
    for i, company in enumerate(companies[1:], start=1):
        first, last = _person(rng)
        rows.append(
            account(
                Role.EMPLOYER,
                f"hr{i}@{DEMO_DOMAIN}",
                first,
                last,
                company.region_code,
                locale=rng.choice(["uz", "ru", "en"]),
                company_id=company.id,
            )
        )
    for i in range(students):
        first, last = _person(rng)
        rows.append(
            account(
                Role.STUDENT,
                f"student{i + 1}@{DEMO_DOMAIN}",
                first,
                last,
                rng.choices(region_codes, weights)[0],
                locale=rng.choices(["uz", "ru", "en"], [6, 3, 1])[0],
                phone=f"+99890{rng.randrange(10**7):07d}" if rng.random() < 0.7 else None,
                active=rng.random() > 0.02,
                created_at=now - timedelta(days=rng.randrange(365), minutes=i),
            )
        )
    for start in range(0, len(rows), 1000):
        session.execute(insert(cast(Table, User.__table__)), rows[start : start + 1000])
    session.flush()
    people = session.execute(select(User.id, User.role, User.region_code, User.email).order_by(User.id)).all()
    instructors: dict[str, list[int]] = {}
    for id_, role, region, _email in people:
        if role is Role.INSTRUCTOR:
            instructors.setdefault(region or "", []).append(id_)
    catalogue = load_catalogue(
        session,
        now,
        rng,
        region_codes,
        instructors,
        student_ids=[id_ for id_, role, _r, _e in people if role is Role.STUDENT],
        admin_id=next(id_ for id_, role, _r, _e in people if role is Role.ADMIN),
        demo_student_id=next(id_ for id_, _role, _r, email in people if email == f"student@{DEMO_DOMAIN}"),
    )
    catalogue["notifications"] = load_demo_notifications(session, now)
    catalogue.update(load_lessons(session, now, seed))
    catalogue |= load_timetable(session, now, rng)
    files = load_assessments(session, now)
    catalogue["assessments"] = sum(len(spec["items"]) for spec in files.values())
    catalogue |= load_grading(session, now, seed, files)
    catalogue |= load_certificates(session, now)
    summary = DemoSummary(
        counts={"companies": len(companies), "users": len(rows), "students": students + 1, **catalogue}
    )
    log.info("demo data loaded: %s", summary.counts)
    return summary
