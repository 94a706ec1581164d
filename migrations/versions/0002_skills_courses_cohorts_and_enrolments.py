"""Skills taxonomy, courses, cohorts and enrolments.

The skills every academy teaches come with the schema, in three languages; admins edit them later.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-21 13:13:09.556230
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from academy.db import UTCDateTime

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def enrolment_status() -> sa.Enum:
    return sa.Enum(
        "waitlisted",
        "enrolled",
        "withdrawn",
        "completed",
        "failed",
        name="enrolmentstatus",
        native_enum=False,
        length=16,
    )


SKILLS = [
    (
        "contact-centre-en",
        "bpo",
        True,
        "Ingliz tilida kontakt-markaz xizmati",
        "Контакт-центр на английском языке",
        "Contact-centre service in English",
        "Mijozlarning qoʻngʻiroqlariga ingliz tilida javob berish, muammolarni hal qilish va CRMda qayd etish.",
        "Приём звонков клиентов на английском, решение проблем и учёт обращений в CRM.",
        "Answering customer calls in English, resolving issues and logging them in a CRM.",
    ),
    (
        "contact-centre-ru",
        "bpo",
        True,
        "Rus tilida kontakt-markaz xizmati",
        "Контакт-центр на русском языке",
        "Contact-centre service in Russian",
        "Mijozlarning qoʻngʻiroqlariga rus tilida javob berish va murojaatlarni yuritish.",
        "Приём звонков клиентов на русском языке и ведение обращений.",
        "Answering customer calls in Russian and handling their requests.",
    ),
    (
        "chat-support",
        "bpo",
        False,
        "Chat va e-pochta orqali qoʻllab-quvvatlash",
        "Поддержка в чатах и по e-mail",
        "Chat and e-mail support",
        "Bir vaqtning oʻzida bir nechta chatni yuritish, tayyor javoblar va xizmat sifati meʼyorlari.",
        "Ведение нескольких чатов одновременно, шаблоны ответов и нормы качества сервиса.",
        "Handling several chats at once, response templates and service-level targets.",
    ),
    (
        "back-office",
        "bpo",
        False,
        "Bek-ofis va maʼlumot kiritish",
        "Бэк-офис и ввод данных",
        "Back office and data entry",
        "Hujjatlarni qayta ishlash, maʼlumotlarni aniq va tez kiritish, tekshirish.",
        "Обработка документов, точный и быстрый ввод и проверка данных.",
        "Processing documents and entering and checking data quickly and accurately.",
    ),
    (
        "excel",
        "bpo",
        False,
        "Elektron jadvallar (Excel)",
        "Электронные таблицы (Excel)",
        "Spreadsheets (Excel)",
        "Formulalar, filtrlash, yigʻma jadvallar va hisobotlar.",
        "Формулы, фильтры, сводные таблицы и отчёты.",
        "Formulas, filters, pivot tables and reports.",
    ),
    (
        "business-writing-en",
        "bpo",
        True,
        "Ingliz tilida ish yozishmalari",
        "Деловая переписка на английском",
        "Business correspondence in English",
        "Xatlar, hisobotlar va mijozlarga javoblarni ingliz tilida aniq yozish.",
        "Письма, отчёты и ответы клиентам на английском языке.",
        "Writing clear letters, reports and customer replies in English.",
    ),
    (
        "hr-administration",
        "bpo",
        False,
        "Kadrlar ishini yuritish",
        "Кадровое администрирование",
        "HR administration",
        "Xodimlar hujjatlari, ishga qabul qilish jarayoni va kadrlar hisobi.",
        "Кадровые документы, процесс найма и кадровый учёт.",
        "Personnel records, onboarding paperwork and HR reporting.",
    ),
    (
        "telesales",
        "bpo",
        False,
        "Telefon orqali sotuv",
        "Телефонные продажи",
        "Telesales",
        "Chiquvchi qoʻngʻiroqlar, eʼtirozlar bilan ishlash va savdoni yakunlash.",
        "Исходящие звонки, работа с возражениями и закрытие сделок.",
        "Outbound calls, handling objections and closing sales.",
    ),
    (
        "bookkeeping-1c",
        "kpo",
        False,
        "1C da buxgalteriya hisobi",
        "Бухгалтерский учёт в 1С",
        "Bookkeeping with 1C",
        "Birlamchi hujjatlar, provodkalar, ish haqi va soliq hisobotlari 1C dasturida.",
        "Первичные документы, проводки, зарплата и налоговая отчётность в 1С.",
        "Source documents, journal entries, payroll and tax reports in 1C.",
    ),
    (
        "financial-analysis",
        "kpo",
        False,
        "Moliyaviy tahlil",
        "Финансовый анализ",
        "Financial analysis",
        "Moliyaviy hisobotlarni oʻqish, koeffitsiyentlar tahlili va prognozlash.",
        "Чтение финансовой отчётности, анализ коэффициентов и прогнозирование.",
        "Reading financial statements, ratio analysis and forecasting.",
    ),
    (
        "qa-manual",
        "kpo",
        False,
        "Dasturiy taʼminotni qoʻlda testlash",
        "Ручное тестирование ПО",
        "Manual software testing",
        "Test-keyslar yozish, xatolar haqida hisobot va regressiya testlari.",
        "Написание тест-кейсов, отчёты об ошибках и регрессионное тестирование.",
        "Writing test cases, reporting defects and regression testing.",
    ),
    (
        "data-annotation",
        "kpo",
        False,
        "Maʼlumotlarni belgilash",
        "Разметка данных",
        "Data annotation",
        "Mashinali oʻqitish uchun matn, tasvir va audio maʼlumotlarini belgilash.",
        "Разметка текстов, изображений и аудио для машинного обучения.",
        "Labelling text, images and audio for machine learning.",
    ),
    (
        "digital-marketing",
        "kpo",
        False,
        "Raqamli marketing",
        "Цифровой маркетинг",
        "Digital marketing",
        "Ijtimoiy tarmoqlar, kontekstli reklama va natijalarni tahlil qilish.",
        "Социальные сети, контекстная реклама и анализ результатов.",
        "Social media, paid search and measuring results.",
    ),
]


def upgrade() -> None:
    op.create_table(
        "courses",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=20), nullable=False),
        sa.Column("track", sa.Enum("bpo", "kpo", name="track", native_enum=False, length=16), nullable=False),
        sa.Column("title_uz", sa.String(length=160), nullable=False),
        sa.Column("title_ru", sa.String(length=160), nullable=False),
        sa.Column("title_en", sa.String(length=160), nullable=False),
        sa.Column("description_uz", sa.Text(), nullable=False),
        sa.Column("description_ru", sa.Text(), nullable=False),
        sa.Column("description_en", sa.Text(), nullable=False),
        sa.Column("hours", sa.Integer(), nullable=False),
        sa.Column("pass_mark", sa.Integer(), nullable=False),
        sa.Column(
            "status",
            sa.Enum("draft", "published", name="coursestatus", native_enum=False, length=16),
            nullable=False,
        ),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.CheckConstraint("hours > 0", name=op.f("ck_courses_hours_positive")),
        sa.CheckConstraint("pass_mark BETWEEN 0 AND 100", name=op.f("ck_courses_pass_mark_percent")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_courses")),
        sa.UniqueConstraint("code", name=op.f("uq_courses_code")),
    )
    with op.batch_alter_table("courses", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_courses_status"), ["status"], unique=False)
        batch_op.create_index(batch_op.f("ix_courses_track"), ["track"], unique=False)

    skills = op.create_table(
        "skills",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("track", sa.Enum("bpo", "kpo", name="track", native_enum=False, length=16), nullable=False),
        sa.Column("name_uz", sa.String(length=120), nullable=False),
        sa.Column("name_ru", sa.String(length=120), nullable=False),
        sa.Column("name_en", sa.String(length=120), nullable=False),
        sa.Column("description_uz", sa.Text(), nullable=False),
        sa.Column("description_ru", sa.Text(), nullable=False),
        sa.Column("description_en", sa.Text(), nullable=False),
        sa.Column("max_level", sa.Integer(), nullable=False),
        sa.Column("cefr", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_skills")),
        sa.UniqueConstraint("code", name=op.f("uq_skills_code")),
    )
    op.bulk_insert(
        skills,
        [
            {
                "code": code,
                "track": track,
                "max_level": 6 if cefr else 3,
                "cefr": cefr,
                "name_uz": uz,
                "name_ru": ru,
                "name_en": en,
                "description_uz": duz,
                "description_ru": dru,
                "description_en": den,
            }
            for code, track, cefr, uz, ru, en, duz, dru, den in SKILLS
        ],
    )
    with op.batch_alter_table("skills", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_skills_track"), ["track"], unique=False)

    op.create_table(
        "cohorts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("course_id", sa.Integer(), nullable=False),
        sa.Column("region_code", sa.String(length=8), nullable=True),
        sa.Column("venue", sa.String(length=200), nullable=False),
        sa.Column("language", sa.String(length=5), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("enrolment_opens_at", UTCDateTime(), nullable=False),
        sa.Column("enrolment_closes_at", UTCDateTime(), nullable=False),
        sa.Column("seats", sa.Integer(), nullable=False),
        sa.Column("seats_taken", sa.Integer(), nullable=False),
        sa.Column("waitlist_length", sa.Integer(), nullable=False),
        sa.Column("waitlist_tickets_issued", sa.Integer(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.CheckConstraint("ends_on >= starts_on", name=op.f("ck_cohorts_ends_after_start")),
        sa.CheckConstraint("seats >= 0", name=op.f("ck_cohorts_seats_not_negative")),
        sa.CheckConstraint(
            "seats_taken >= 0 AND seats_taken <= seats", name=op.f("ck_cohorts_not_overbooked")
        ),
        sa.CheckConstraint("waitlist_length >= 0", name=op.f("ck_cohorts_waitlist_not_negative")),
        sa.ForeignKeyConstraint(["course_id"], ["courses.id"], name=op.f("fk_cohorts_course_id_courses")),
        sa.ForeignKeyConstraint(
            ["region_code"], ["regions.code"], name=op.f("fk_cohorts_region_code_regions")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cohorts")),
        sa.UniqueConstraint("code", name=op.f("uq_cohorts_code")),
    )
    with op.batch_alter_table("cohorts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_cohorts_course_id"), ["course_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_cohorts_language"), ["language"], unique=False)
        batch_op.create_index(batch_op.f("ix_cohorts_region_code"), ["region_code"], unique=False)
        batch_op.create_index("ix_cohorts_starts_on_region_code", ["starts_on", "region_code"], unique=False)

    op.create_table(
        "course_prerequisites",
        sa.Column("course_id", sa.Integer(), nullable=False),
        sa.Column("prerequisite_id", sa.Integer(), nullable=False),
        sa.CheckConstraint("course_id <> prerequisite_id", name=op.f("ck_course_prerequisites_not_itself")),
        sa.ForeignKeyConstraint(
            ["course_id"],
            ["courses.id"],
            name=op.f("fk_course_prerequisites_course_id_courses"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["prerequisite_id"],
            ["courses.id"],
            name=op.f("fk_course_prerequisites_prerequisite_id_courses"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("course_id", "prerequisite_id", name=op.f("pk_course_prerequisites")),
    )
    with op.batch_alter_table("course_prerequisites", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_course_prerequisites_prerequisite_id"), ["prerequisite_id"], unique=False
        )

    op.create_table(
        "course_skills",
        sa.Column("course_id", sa.Integer(), nullable=False),
        sa.Column("skill_id", sa.Integer(), nullable=False),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.CheckConstraint("level >= 1", name=op.f("ck_course_skills_level_positive")),
        sa.ForeignKeyConstraint(
            ["course_id"], ["courses.id"], name=op.f("fk_course_skills_course_id_courses"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["skill_id"], ["skills.id"], name=op.f("fk_course_skills_skill_id_skills")),
        sa.PrimaryKeyConstraint("course_id", "skill_id", name=op.f("pk_course_skills")),
    )
    with op.batch_alter_table("course_skills", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_course_skills_skill_id"), ["skill_id"], unique=False)

    op.create_table(
        "cohort_instructors",
        sa.Column("cohort_id", sa.Integer(), nullable=False),
        sa.Column("instructor_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["cohort_id"],
            ["cohorts.id"],
            name=op.f("fk_cohort_instructors_cohort_id_cohorts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["instructor_id"], ["users.id"], name=op.f("fk_cohort_instructors_instructor_id_users")
        ),
        sa.PrimaryKeyConstraint("cohort_id", "instructor_id", name=op.f("pk_cohort_instructors")),
    )
    with op.batch_alter_table("cohort_instructors", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_cohort_instructors_instructor_id"), ["instructor_id"], unique=False
        )

    op.create_table(
        "enrolments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("cohort_id", sa.Integer(), nullable=False),
        sa.Column("student_id", sa.Integer(), nullable=False),
        sa.Column(
            "status",
            enrolment_status(),
            nullable=False,
        ),
        sa.Column("waitlist_ticket", sa.Integer(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.CheckConstraint(
            "(status = 'waitlisted') = (waitlist_ticket IS NOT NULL)",
            name=op.f("ck_enrolments_ticket_only_when_waitlisted"),
        ),
        sa.ForeignKeyConstraint(
            ["cohort_id"], ["cohorts.id"], name=op.f("fk_enrolments_cohort_id_cohorts"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["student_id"], ["users.id"], name=op.f("fk_enrolments_student_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_enrolments")),
        sa.UniqueConstraint("cohort_id", "student_id", name=op.f("uq_enrolments_cohort_id_student_id")),
        sa.UniqueConstraint(
            "cohort_id", "waitlist_ticket", name=op.f("uq_enrolments_cohort_id_waitlist_ticket")
        ),
    )
    with op.batch_alter_table("enrolments", schema=None) as batch_op:
        batch_op.create_index("ix_enrolments_cohort_id_status", ["cohort_id", "status"], unique=False)
        batch_op.create_index(batch_op.f("ix_enrolments_student_id"), ["student_id"], unique=False)

    op.create_table(
        "enrolment_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("enrolment_id", sa.Integer(), nullable=False),
        sa.Column(
            "from_status",
            enrolment_status(),
            nullable=True,
        ),
        sa.Column(
            "to_status",
            enrolment_status(),
            nullable=False,
        ),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["actor_id"], ["users.id"], name=op.f("fk_enrolment_events_actor_id_users")),
        sa.ForeignKeyConstraint(
            ["enrolment_id"],
            ["enrolments.id"],
            name=op.f("fk_enrolment_events_enrolment_id_enrolments"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_enrolment_events")),
    )
    with op.batch_alter_table("enrolment_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_enrolment_events_actor_id"), ["actor_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_enrolment_events_enrolment_id"), ["enrolment_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("enrolment_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_enrolment_events_enrolment_id"))
        batch_op.drop_index(batch_op.f("ix_enrolment_events_actor_id"))

    op.drop_table("enrolment_events")
    with op.batch_alter_table("enrolments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_enrolments_student_id"))
        batch_op.drop_index("ix_enrolments_cohort_id_status")

    op.drop_table("enrolments")
    with op.batch_alter_table("cohort_instructors", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_cohort_instructors_instructor_id"))

    op.drop_table("cohort_instructors")
    with op.batch_alter_table("course_skills", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_course_skills_skill_id"))

    op.drop_table("course_skills")
    with op.batch_alter_table("course_prerequisites", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_course_prerequisites_prerequisite_id"))

    op.drop_table("course_prerequisites")
    with op.batch_alter_table("cohorts", schema=None) as batch_op:
        batch_op.drop_index("ix_cohorts_starts_on_region_code")
        batch_op.drop_index(batch_op.f("ix_cohorts_region_code"))
        batch_op.drop_index(batch_op.f("ix_cohorts_language"))
        batch_op.drop_index(batch_op.f("ix_cohorts_course_id"))

    op.drop_table("cohorts")
    with op.batch_alter_table("skills", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_skills_track"))

    op.drop_table("skills")
    with op.batch_alter_table("courses", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_courses_track"))
        batch_op.drop_index(batch_op.f("ix_courses_status"))

    op.drop_table("courses")
