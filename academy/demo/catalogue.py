"""Demo courses, cohorts in every region and language, and enrolments in every state."""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta
from typing import cast

from sqlalchemy import Table, insert, select
from sqlalchemy.orm import Session

from academy.cohorts.models import Cohort, Enrolment, EnrolmentEvent, EnrolmentStatus, cohort_instructors
from academy.courses.models import Course, CourseSkill, CourseStatus
from academy.skills.models import Skill
from academy.tracks import Track

# code, track, hours, pass mark, (uz, ru, en) title, skills taught as (code, level), prerequisite codes
COURSES: list[tuple[str, Track, int, int, tuple[str, str, str], list[tuple[str, int]], list[str]]] = [
    (
        "BPO-CC-EN",
        Track.BPO,
        120,
        65,
        (
            "Ingliz tilida kontakt-markaz operatori",
            "Оператор контакт-центра (английский)",
            "Contact-centre agent (English)",
        ),
        [("contact-centre-en", 4), ("chat-support", 1)],
        [],
    ),
    (
        "BPO-CC-RU",
        Track.BPO,
        96,
        60,
        (
            "Rus tilida kontakt-markaz operatori",
            "Оператор контакт-центра (русский)",
            "Contact-centre agent (Russian)",
        ),
        [("contact-centre-ru", 4)],
        [],
    ),
    (
        "BPO-CHAT",
        Track.BPO,
        60,
        60,
        ("Chat orqali mijozlarni qoʻllab-quvvatlash", "Поддержка клиентов в чатах", "Customer chat support"),
        [("chat-support", 2)],
        [],
    ),
    (
        "BPO-BO",
        Track.BPO,
        72,
        60,
        ("Bek-ofis va maʼlumot kiritish", "Бэк-офис и ввод данных", "Back office and data entry"),
        [("back-office", 2), ("excel", 1)],
        [],
    ),
    (
        "BPO-XL",
        Track.BPO,
        48,
        60,
        ("Ish uchun Excel", "Excel для работы", "Excel for work"),
        [("excel", 2)],
        [],
    ),
    (
        "BPO-HR",
        Track.BPO,
        80,
        65,
        (
            "Kadrlar ishini yuritish asoslari",
            "Основы кадрового администрирования",
            "HR administration basics",
        ),
        [("hr-administration", 2)],
        [],
    ),
    (
        "BPO-SALES",
        Track.BPO,
        40,
        60,
        ("Telefon orqali sotuv", "Телефонные продажи", "Telesales"),
        [("telesales", 2)],
        [],
    ),
    (
        "BPO-WRITE",
        Track.BPO,
        54,
        65,
        ("Ingliz tilida ish yozishmalari", "Деловая переписка на английском", "Business writing in English"),
        [("business-writing-en", 4)],
        ["BPO-CC-EN"],
    ),
    (
        "KPO-1C",
        Track.KPO,
        144,
        70,
        ("1C: buxgalteriya hisobi", "1С: бухгалтерский учёт", "Bookkeeping with 1C"),
        [("bookkeeping-1c", 2), ("excel", 2)],
        ["BPO-XL"],
    ),
    (
        "KPO-FIN",
        Track.KPO,
        120,
        70,
        ("Moliyaviy tahlil", "Финансовый анализ", "Financial analysis"),
        [("financial-analysis", 2), ("excel", 3)],
        ["KPO-1C"],
    ),
    (
        "KPO-QA",
        Track.KPO,
        128,
        70,
        ("Dasturiy taʼminotni qoʻlda testlash", "Ручное тестирование ПО", "Manual QA testing"),
        [("qa-manual", 2)],
        [],
    ),
    (
        "KPO-DATA",
        Track.KPO,
        64,
        65,
        ("Maʼlumotlarni belgilash", "Разметка данных", "Data annotation"),
        [("data-annotation", 2)],
        [],
    ),
    (
        "KPO-MKT",
        Track.KPO,
        96,
        65,
        ("Raqamli marketing", "Цифровой маркетинг", "Digital marketing"),
        [("digital-marketing", 2)],
        [],
    ),
]
DESCRIPTIONS = (
    "Amaliy mashgʻulotlar, real ish vaziyatlari va yakuniy imtihon. Kurs oxirida sertifikat beriladi.",
    "Практические занятия, реальные рабочие ситуации и итоговый экзамен. По окончании выдаётся сертификат.",
    "Hands-on practice, real work scenarios and a final exam. Graduates receive a certificate.",
)


def load_catalogue(
    session: Session,
    now: datetime,
    rng: random.Random,
    region_codes: list[str],
    instructor_ids_by_region: dict[str, list[int]],
    student_ids: list[int],
    admin_id: int,
    demo_student_id: int | None = None,
) -> dict[str, int]:
    """Courses, about three cohorts per region plus online ones, and enrolments for ``student_ids``."""
    skills = {skill.code: skill.id for skill in session.scalars(select(Skill))}
    courses: dict[str, Course] = {}
    for code, track, hours, pass_mark, (uz, ru, en), taught, prerequisites in COURSES:
        course = Course(
            code=code,
            track=track,
            hours=hours,
            pass_mark=pass_mark,
            title_uz=uz,
            title_ru=ru,
            title_en=en,
            description_uz=DESCRIPTIONS[0],
            description_ru=DESCRIPTIONS[1],
            description_en=DESCRIPTIONS[2],
            status=CourseStatus.PUBLISHED,
            created_at=now,
        )
        course.skills = [CourseSkill(skill_id=skills[skill], level=level) for skill, level in taught]
        course.prerequisites = [courses[p] for p in prerequisites]
        courses[code] = course
        session.add(course)
    courses["KPO-MKT"].status = CourseStatus.DRAFT  # one course still being written
    session.flush()
    open_courses = [c for c in courses.values() if c.status is CourseStatus.PUBLISHED]

    cohorts: list[Cohort] = []
    places = [
        *((code, lang) for code in region_codes for lang in ("uz", "ru", "uz")),
        *((None, language) for language in ("en", "ru", "uz")),
    ]
    for n, (region, language) in enumerate(places, start=1):
        course = rng.choice(open_courses)
        # Past, running and upcoming cohorts, so every enrolment state has a home.
        start = (now + timedelta(days=rng.choice([-120, -60, -20, 10, 25, 40, 70]))).date()
        cohorts.append(
            Cohort(
                code=f"{course.code}-{(region or 'ONLINE').removeprefix('UZ-')}-{start:%y%m}-{n}",
                course=course,
                region_code=region,
                language=language,
                venue="" if region is None else f"Academy centre, room {rng.randint(1, 12)}",
                starts_on=start,
                ends_on=start + timedelta(days=course.hours // 2 + 14),
                enrolment_opens_at=now + timedelta(days=(start - now.date()).days - 45),
                enrolment_closes_at=now + timedelta(days=(start - now.date()).days - 1),
                seats=rng.choice([12, 16, 20, 24, 30]),
                seats_taken=0,
                waitlist_length=0,
                waitlist_tickets_issued=0,
                created_at=now,
            )
        )
    session.add_all(cohorts)
    session.flush()
    session.execute(
        insert(cohort_instructors),
        [
            {
                "cohort_id": c.id,
                "instructor_id": rng.choice(
                    instructor_ids_by_region.get(c.region_code or "", [])
                    or [i for ids in instructor_ids_by_region.values() for i in ids]
                ),
            }
            for c in cohorts
        ],
    )

    enrolment_rows, event_rows = _enrolments(now, rng, cohorts, student_ids, demo_student_id)
    for offset in range(0, len(enrolment_rows), 2000):
        session.execute(insert(cast(Table, Enrolment.__table__)), enrolment_rows[offset : offset + 2000])
    session.flush()
    ids = {
        (student, cohort): id_
        for student, cohort, id_ in session.execute(
            select(Enrolment.student_id, Enrolment.cohort_id, Enrolment.id)
        )
    }
    for row in event_rows:
        row["enrolment_id"] = ids[row.pop("key")]  # type: ignore[index]
        row["actor_id"] = row["actor_id"] or admin_id
    for offset in range(0, len(event_rows), 2000):
        session.execute(insert(cast(Table, EnrolmentEvent.__table__)), event_rows[offset : offset + 2000])
    session.flush()
    return {"courses": len(courses), "cohorts": len(cohorts), "enrolments": len(enrolment_rows)}


def showcase_cohorts(cohorts: list[Cohort], today: date) -> list[Cohort]:
    """The demo student's places: a past cohort they completed and a running one, the latest started
    (so that some of its work is graded and some still to do), in their region or online if any."""
    away = lambda c: c.region_code not in ("UZ-SA", None)  # noqa: E731
    past = sorted((c for c in cohorts if c.ends_on < today), key=lambda c: (away(c), -c.ends_on.toordinal()))
    running = sorted(
        (c for c in cohorts if c.starts_on <= today <= c.ends_on),
        key=lambda c: (-c.starts_on.toordinal(), away(c)),
    )
    return past[:1] + running[:1]


def _enrolments(
    now: datetime,
    rng: random.Random,
    cohorts: list[Cohort],
    student_ids: list[int],
    demo_student_id: int | None = None,
) -> tuple[list[dict[str, object]], list[dict[str, object]]]:
    """Rows for about two enrolments per student, with the cohort counters kept consistent."""
    enrolments: list[dict[str, object]] = []
    events: list[dict[str, object]] = []
    today = now.date()
    taken: set[tuple[int, int]] = set()
    # A few upcoming cohorts are in demand (small and popular), so that they fill and have waitlists.
    popular = [c for c in cohorts if c.starts_on > today][::5]
    for cohort in popular:
        cohort.seats = 12
    weights = [15 if c in popular else 1 for c in cohorts]
    for student in student_ids:
        picks = rng.choices(cohorts, weights, k=rng.choice([1, 2, 2, 3]))
        demo = student == demo_student_id
        if demo:  # the demo student always has a result to see and work to do
            picks = showcase_cohorts(cohorts, today) + [c for c in picks if c.starts_on > today]
        for cohort in picks:
            if (cohort.id, student) in taken:
                continue
            taken.add((cohort.id, student))
            finished = cohort.ends_on < today
            ticket = None
            if cohort.seats_taken < cohort.seats:
                cohort.seats_taken += 1
                status = (
                    rng.choice([EnrolmentStatus.COMPLETED] * 4 + [EnrolmentStatus.FAILED])
                    if finished
                    else (EnrolmentStatus.WITHDRAWN if rng.random() < 0.05 else EnrolmentStatus.ENROLLED)
                )
                if demo:
                    status = EnrolmentStatus.COMPLETED if finished else EnrolmentStatus.ENROLLED
                if status is EnrolmentStatus.WITHDRAWN:
                    cohort.seats_taken -= 1
            elif finished:
                continue  # nobody waits for a cohort that is over
            else:
                cohort.waitlist_tickets_issued += 1
                cohort.waitlist_length += 1
                ticket, status = cohort.waitlist_tickets_issued, EnrolmentStatus.WAITLISTED
            at = now - timedelta(days=max(1, (today - cohort.enrolment_opens_at.date()).days // 2))
            enrolments.append(
                {
                    "cohort_id": cohort.id,
                    "student_id": student,
                    "status": status,
                    "waitlist_ticket": ticket,
                    "created_at": at,
                    "updated_at": at,
                }
            )
            first = (
                EnrolmentStatus.WAITLISTED
                if status is EnrolmentStatus.WAITLISTED
                else EnrolmentStatus.ENROLLED
            )
            events.append(
                {
                    "key": (student, cohort.id),
                    "from_status": None,
                    "to_status": first,
                    "actor_id": student,
                    "at": at,
                    "note": "",
                }
            )
            if status is not first:
                events.append(
                    {
                        "key": (student, cohort.id),
                        "from_status": first,
                        "to_status": status,
                        "actor_id": None,
                        "at": at + timedelta(days=1),
                        "note": "",
                    }
                )
    return enrolments, events
