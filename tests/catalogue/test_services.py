"""The catalogue's reading services: filters, search in three languages, paging, what stays hidden."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy.orm import Session

from academy.auth.models import Role, User
from academy.catalogue import services
from academy.catalogue.services import ONLINE, Filters, find_courses
from academy.cohorts.models import EnrolmentStatus
from academy.cohorts.services import enrol
from academy.courses.models import CourseStatus
from academy.errors import NotFound
from academy.tracks import Track
from tests.catalogue.conftest import Catalogue

pytestmark = pytest.mark.usefixtures("app_ctx")


def codes(db: Session, catalogue: Catalogue, filters: Filters) -> list[str]:
    return [r.course.code for r in find_courses(db, filters, catalogue.today, per_page=50).items]


def cohort_codes(db: Session, catalogue: Catalogue, filters: Filters) -> dict[str, list[str]]:
    page = find_courses(db, filters, catalogue.today, per_page=50)
    return {r.course.code: [c.code for c in r.cohorts] for r in page.items}


def test_lists_published_courses_soonest_cohort_first_and_drafts_never(
    db: Session, catalogue: Catalogue
) -> None:
    later, sooner = catalogue.course(code="LATER"), catalogue.course(code="SOONER")
    unscheduled = catalogue.course(code="AAA-NONE")
    draft = catalogue.course(code="DRAFT", status=CourseStatus.DRAFT)
    catalogue.cohort(later, starts_in=40)
    catalogue.cohort(sooner, starts_in=5)
    catalogue.cohort(draft, starts_in=1)
    assert codes(db, catalogue, Filters()) == ["SOONER", "LATER", unscheduled.code]


def test_cohorts_that_ended_are_hidden_and_running_ones_shown(db: Session, catalogue: Catalogue) -> None:
    course = catalogue.course(code="RUN")
    ended = catalogue.cohort(course, starts_in=-60, lasts=59)  # ended yesterday
    running = catalogue.cohort(course, starts_in=-10, lasts=30)
    last_day = catalogue.cohort(course, starts_in=-30, lasts=30)  # ends today
    coming = catalogue.cohort(course, starts_in=3)
    shown = cohort_codes(db, catalogue, Filters())["RUN"]
    assert shown == [last_day.code, running.code, coming.code]
    assert ended.code not in shown
    # A course whose only cohort is over is still listed (without cohorts) unless a cohort filter is set.
    old = catalogue.course(code="OLD")
    catalogue.cohort(old, starts_in=-90, lasts=30)
    assert cohort_codes(db, catalogue, Filters())["OLD"] == []
    assert "OLD" not in codes(db, catalogue, Filters(region="UZ-SA"))


def test_region_and_online_filters(db: Session, catalogue: Catalogue) -> None:
    course, other = catalogue.course(code="REG"), catalogue.course(code="ELSEWHERE")
    samarkand = catalogue.cohort(course, region="UZ-SA")
    online = catalogue.cohort(course, region=None, starts_in=30)
    catalogue.cohort(other, region="UZ-TK")
    assert cohort_codes(db, catalogue, Filters(region="UZ-SA")) == {"REG": [samarkand.code]}
    assert cohort_codes(db, catalogue, Filters(region=ONLINE)) == {"REG": [online.code]}
    assert codes(db, catalogue, Filters(region="UZ-QR")) == []


def test_track_filter(db: Session, catalogue: Catalogue) -> None:
    catalogue.course(code="B1", track=Track.BPO)
    catalogue.course(code="K1", track=Track.KPO)
    assert codes(db, catalogue, Filters(track=Track.KPO)) == ["K1"]
    assert codes(db, catalogue, Filters(track=Track.BPO)) == ["B1"]


def test_language_filter_is_the_cohorts_language(db: Session, catalogue: Catalogue) -> None:
    course = catalogue.course(code="LANG")
    catalogue.cohort(course, language="uz")
    russian = catalogue.cohort(course, language="ru", starts_in=25)
    assert cohort_codes(db, catalogue, Filters(language="ru")) == {"LANG": [russian.code]}
    assert codes(db, catalogue, Filters(language="en")) == []


def test_skill_filter(db: Session, catalogue: Catalogue) -> None:
    catalogue.course(code="XL", skills=(("excel", 2),))
    catalogue.course(code="ONE-C", skills=(("bookkeeping-1c", 2), ("excel", 1)))
    catalogue.course(code="QA", skills=(("qa-manual", 2),))
    assert sorted(codes(db, catalogue, Filters(skill="excel"))) == ["ONE-C", "XL"]
    assert codes(db, catalogue, Filters(skill="qa-manual")) == ["QA"]
    assert codes(db, catalogue, Filters(skill="no-such-skill")) == []


def test_month_filter_takes_cohorts_starting_in_that_month(db: Session, catalogue: Catalogue) -> None:
    course = catalogue.course(code="MONTH")
    first = catalogue.today.replace(day=1)
    following = services.next_month(services.next_month(first))
    in_month = catalogue.cohort(course, starts_in=(following - catalogue.today).days)
    catalogue.cohort(course, starts_in=(following - catalogue.today).days - 1)  # the day before
    catalogue.cohort(course, starts_in=(services.next_month(following) - catalogue.today).days)  # after
    assert cohort_codes(db, catalogue, Filters(month=following)) == {"MONTH": [in_month.code]}


def test_next_month_rolls_over_the_year() -> None:
    assert services.next_month(date(2026, 12, 1)) == date(2027, 1, 1)
    assert services.next_month(date(2026, 1, 1)) == date(2026, 2, 1)


def test_filters_combine(db: Session, catalogue: Catalogue) -> None:
    bpo, kpo = (
        catalogue.course(code="BPO-X", track=Track.BPO),
        catalogue.course(code="KPO-X", track=Track.KPO),
    )
    catalogue.cohort(bpo, region="UZ-SA", language="ru")
    catalogue.cohort(kpo, region="UZ-SA", language="ru")
    catalogue.cohort(bpo, region="UZ-TK", language="ru")
    result = cohort_codes(db, catalogue, Filters(region="UZ-SA", track=Track.BPO, language="ru"))
    assert list(result) == ["BPO-X"] and len(result["BPO-X"]) == 1


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("kontakt", True),  # Uzbek title
        ("qo'llab", True),  # typed with an ASCII apostrophe, stored with ʻ
        ("qoʻllab", True),
        ("КОНТАКТ-ЦЕНТРА", True),  # Russian, in another case
        ("оператор", True),
        ("Contact centre", False),  # every word must appear: "centre" does not
        ("contact agent", True),  # English title, words in any order
        ("sertifikat", True),  # Uzbek description
        ("сертификат", True),  # Russian description
        ("hands-on", True),  # English description
        ("cc-en", True),  # the code
        ("бухгалтер", False),
        ("%", False),  # LIKE wildcards are searched for literally
        ("_", False),
    ],
)
def test_search_in_every_language(db: Session, catalogue: Catalogue, text: str, found: bool) -> None:
    catalogue.course(
        code="BPO-CC-EN",
        title_uz="Kontakt-markaz operatori va mijozlarni qoʻllab-quvvatlash",
        title_ru="Оператор контакт-центра",
        title_en="Contact-center agent",
        description_uz="Kurs oxirida sertifikat beriladi.",
        description_ru="По окончании выдаётся сертификат.",
        description_en="Hands-on practice.",
    )
    catalogue.course(code="OTHER", title_uz="Boshqa", title_ru="Другой", title_en="Another")
    assert codes(db, catalogue, Filters(text=text)) == (["BPO-CC-EN"] if found else [])


def test_blank_search_matches_everything(db: Session, catalogue: Catalogue) -> None:
    catalogue.course(code="A1")
    catalogue.course(code="A2")
    assert len(codes(db, catalogue, Filters(text="   "))) == 2


def test_pagination(db: Session, catalogue: Catalogue) -> None:
    for n in range(12):
        catalogue.cohort(catalogue.course(code=f"P{n:02d}"), starts_in=n + 1)
    first = find_courses(db, Filters(), catalogue.today, page=1, per_page=5)
    third = find_courses(db, Filters(), catalogue.today, page=3, per_page=5)
    beyond = find_courses(db, Filters(), catalogue.today, page=99, per_page=5)
    assert (first.total, first.pages, first.has_next, first.has_prev) == (12, 3, True, False)
    assert [r.course.code for r in first.items] == ["P00", "P01", "P02", "P03", "P04"]
    assert [r.course.code for r in third.items] == ["P10", "P11"] and not third.has_next
    assert beyond.page == 3  # out of range clamps to the last page


def test_a_card_shows_the_soonest_cohorts_and_counts_the_rest(db: Session, catalogue: Catalogue) -> None:
    course = catalogue.course(code="MANY")
    cohorts = [catalogue.cohort(course, starts_in=30 - n) for n in range(services.COHORTS_PER_COURSE + 3)]
    result = find_courses(db, Filters(), catalogue.today).items[0]
    soonest = sorted(cohorts, key=lambda c: c.starts_on)[: services.COHORTS_PER_COURSE]
    assert [c.code for c in result.cohorts] == [c.code for c in soonest]
    assert result.more_cohorts == 3


def test_course_page_hides_drafts_except_from_admins(db: Session, catalogue: Catalogue) -> None:
    draft = catalogue.course(status=CourseStatus.DRAFT)
    for viewer in (None, catalogue.make.user(Role.STUDENT), catalogue.make.user(Role.INSTRUCTOR)):
        with pytest.raises(NotFound):
            services.get_course(db, draft.code, viewer)
    assert services.get_course(db, draft.code, catalogue.make.user(Role.ADMIN)) is draft
    with pytest.raises(NotFound):
        services.get_course(db, "NO-SUCH-COURSE", None)


def test_cohort_of_a_draft_course_is_hidden_except_from_admins(db: Session, catalogue: Catalogue) -> None:
    cohort = catalogue.cohort(catalogue.course(status=CourseStatus.DRAFT))
    with pytest.raises(NotFound):
        services.get_cohort(db, cohort.code, catalogue.make.user(Role.STUDENT))
    assert services.get_cohort(db, cohort.code, catalogue.make.user(Role.ADMIN)) is cohort


def test_upcoming_cohorts_of_a_course(db: Session, catalogue: Catalogue) -> None:
    course = catalogue.course()
    catalogue.cohort(course, starts_in=-100, lasts=10)
    later, sooner = catalogue.cohort(course, starts_in=50), catalogue.cohort(course, starts_in=2)
    assert list(services.upcoming_cohorts(db, course, catalogue.today)) == [sooner, later]


def test_place_of_a_student_with_waitlist_position(db: Session, catalogue: Catalogue) -> None:
    cohort = catalogue.cohort(catalogue.course(), seats=1)
    first, second, third, stranger = (catalogue.make.user() for _ in range(4))
    for student in (first, second, third):
        enrol(db, cohort, student)
    assert services.place_of(db, cohort, first).status is EnrolmentStatus.ENROLLED
    assert services.place_of(db, cohort, third).position == 2
    assert services.place_of(db, cohort, third).active
    assert services.place_of(db, cohort, stranger) == services.Place()


def test_online_links_only_for_enrolled_students_its_instructors_and_admins(
    db: Session, catalogue: Catalogue
) -> None:
    make = catalogue.make
    teacher, other_teacher = make.user(Role.INSTRUCTOR), make.user(Role.INSTRUCTOR)
    cohort = catalogue.cohort(catalogue.course(), seats=1, region=None)
    cohort.instructors.append(teacher)
    seated, waiting = make.user(), make.user()
    enrol(db, cohort, seated)
    enrol(db, cohort, waiting)

    def sees(user: User | None) -> bool:
        place = services.place_of(db, cohort, user) if user is not None else services.Place()
        return services.sees_session_links(cohort, user, place)

    assert sees(seated) and sees(teacher) and sees(make.user(Role.ADMIN))
    assert not sees(waiting) and not sees(other_teacher) and not sees(make.user(Role.EMPLOYER))
    assert not sees(None) and not sees(make.user())


def test_skills_for_choice_are_those_published_courses_teach(db: Session, catalogue: Catalogue) -> None:
    catalogue.course(skills=(("excel", 1),))
    catalogue.course(skills=(("digital-marketing", 1),), status=CourseStatus.DRAFT)
    assert [s.code for s in services.skills_for_choice(db)] == ["excel"]


def test_fold_makes_apostrophes_alike() -> None:
    assert services.fold("Oʻzbek Gʼ O‘Z o’z `x") == "o'zbek g' o'z o'z 'x"


def test_dates_are_relative_to_the_given_day(db: Session, catalogue: Catalogue) -> None:
    course = catalogue.course(code="DAY")
    catalogue.cohort(course, starts_in=-5, lasts=4)  # ended yesterday
    two_days_ago = find_courses(db, Filters(region="UZ-SA"), catalogue.today - timedelta(days=2))
    assert [r.course.code for r in two_days_ago.items] == ["DAY"]
    assert find_courses(db, Filters(region="UZ-SA"), catalogue.today).items == []
