"""What one demo student did in one assessment of a cohort: the hand-in, the quiz attempts, the grade
and its history, as rows ready for bulk INSERTs.

Students have an ability (0..1) that their scores scatter around; weak students miss and are late
more often. The times follow the cohort's calendar: work is handed in before its due date (or a little
after), graded between the hand-in and the release, and appeals come after the release.
"""

from __future__ import annotations

import random
import string
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from academy.grading.models import AssessmentKind, GradeSource, SubmissionType

HOUR = timedelta(hours=1)
DAY = timedelta(days=1)
FEEDBACK = {
    "en": {
        "high": ["Excellent work, well structured and clear.", "Very good: exactly what a client expects."],
        "mid": [
            "Good work. Check the details before you hand in.",
            "Solid, but the structure could be clearer.",
        ],
        "low": [
            "Several parts are missing; see the rubric and ask me in class.",
            "Not yet at the level needed.",
        ],
    },
    "ru": {
        "high": ["Отличная работа, всё чётко и по делу.", "Очень хорошо: именно так ждёт заказчик."],
        "mid": ["Хорошо. Перед сдачей проверяйте детали.", "Неплохо, но структуру можно сделать яснее."],
        "low": ["Не хватает нескольких частей; сверьтесь с критериями.", "Пока ниже нужного уровня."],
    },
    "uz": {
        "high": ["Aʼlo ish, aniq va tartibli.", "Juda yaxshi: mijoz aynan shuni kutadi."],
        "mid": [
            "Yaxshi. Topshirishdan oldin tafsilotlarni tekshiring.",
            "Yomon emas, tuzilishini aniqroq qiling.",
        ],
        "low": ["Bir nechta qism yetishmaydi; mezonlarni qayta koʻring.", "Hozircha kerakli darajada emas."],
    },
}
REASONS = {
    "en": ["Regraded after appeal", "Corrected: one criterion was scored too low"],
    "ru": ["Пересмотрено после апелляции", "Исправлено: один критерий был занижен"],
    "uz": ["Apellyatsiyadan keyin qayta baholandi", "Tuzatildi: bitta mezon past baholangan edi"],
}
EXAM_ABSENT = {
    "en": "Did not attend the exam.",
    "ru": "Не явился на экзамен.",
    "uz": "Imtihonga kelmadi.",
}


@dataclass(frozen=True)
class Column:
    """An assessment as a cohort has it, with what the demo needs of its rubric, questions and file item."""

    id: int
    kind: AssessmentKind
    max_points: float
    weight: int
    due_at: datetime
    submission: SubmissionType | None
    criteria: tuple[tuple[int, tuple[tuple[int, float], ...]], ...]  # (criterion id, its (level id, points))
    questions: tuple[
        tuple[int, bool, float, tuple[tuple[int, bool], ...]], ...
    ]  # id, multiple, points, options
    max_attempts: int | None
    time_limit: int | None
    item: dict[str, Any]  # the assessment's entry in the course's file
    released_at: datetime | None  # graded and released
    grading: bool  # due, not released: some work still waits for a grade

    @property
    def hand_in(self) -> bool:
        return self.kind in (AssessmentKind.ASSIGNMENT, AssessmentKind.QUIZ)


@dataclass(frozen=True)
class Student:
    enrolment_id: int
    student_id: int
    ability: float
    careful: bool  # hands everything in on time (the demo student, and a retried outcome)
    showcase: bool  # the demo student in a running cohort: leaves the latest work to hand in or grade


@dataclass
class Cell:
    """One student's work and grade in one assessment."""

    submission: dict[str, Any] | None = None
    attempts: list[tuple[dict[str, Any], list[int]]] = field(default_factory=list)
    grade: dict[str, Any] | None = None
    levels: list[tuple[int, int]] = field(default_factory=list)  # (criterion id, level id)
    changes: list[dict[str, Any]] = field(default_factory=list)
    handed_in_at: datetime | None = None


def _clamp(value: float) -> float:
    return min(1.0, max(0.0, value))


def _between(rng: random.Random, start: datetime, end: datetime) -> datetime:
    return start + (end - start) * rng.uniform(0.1, 0.9)


def _feedback(rng: random.Random, language: str, share: float) -> str:
    band = "high" if share >= 0.85 else "mid" if share >= 0.6 else "low"
    return rng.choice(FEEDBACK.get(language, FEEDBACK["en"])[band])


def _rubric(rng: random.Random, column: Column, share: float) -> tuple[float, list[int]]:
    """Levels near ``share`` of each criterion's top: their total and the index chosen in each."""
    chosen = []
    for _id, levels in column.criteria:
        top = levels[-1][1]
        aim = _clamp(share + rng.gauss(0, 0.08))
        misses = [abs(points / top - aim) for _level, points in levels]
        chosen.append(misses.index(min(misses)))
    return _total(column, chosen), chosen


def _total(column: Column, chosen: list[int]) -> float:
    return round(sum(levels[n][1] for (_id, levels), n in zip(column.criteria, chosen, strict=True)), 2)


def _points(rng: random.Random, column: Column, share: float) -> tuple[float, list[tuple[int, int]]]:
    """Points around ``share`` of the maximum (half points), or from rubric levels."""
    if column.criteria:
        total, chosen = _rubric(rng, column, share)
        return total, _level_ids(column, chosen)
    return min(column.max_points, round(_clamp(share) * column.max_points * 2) / 2), []


def _level_ids(column: Column, chosen: list[int]) -> list[tuple[int, int]]:
    return [
        (criterion_id, levels[n][0])
        for (criterion_id, levels), n in zip(column.criteria, chosen, strict=True)
    ]


def _change(
    column: Column, enrolment_id: int, actor: int | None, at: datetime, old: Any, new: Any
) -> dict[str, Any]:
    return {
        "assessment_id": column.id,
        "enrolment_id": enrolment_id,
        "actor_id": actor,
        "source": GradeSource.MANUAL if actor else GradeSource.QUIZ,
        "at": at,
        "old_points": old[0],
        "old_excused": old[1],
        "new_points": new[0],
        "new_excused": new[1],
        "reason": new[2] if len(new) > 2 else "",
    }


def _quiz(
    rng: random.Random, column: Column, student: Student, cell: Cell, start: datetime, end: datetime
) -> None:
    """One or two attempts between ``start`` and ``end``; the best one is the grade, set by the quiz."""
    tries = 1 if (column.max_attempts or 3) < 2 or rng.random() < 0.7 else 2
    best: float | None = None
    at = _between(rng, start, end)
    for number in range(1, tries + 1):
        ticked: list[int] = []
        points = 0.0
        for _qid, multiple, worth, options in column.questions:
            right = [o for o, correct in options if correct]
            wrong = [o for o, correct in options if not correct]
            if rng.random() < _clamp(student.ability + 0.1 * number) or not wrong:
                ticked += right
                points += worth
            elif multiple and len(right) > 1 and rng.random() < 0.5:
                ticked += right[:-1]
            else:
                ticked += [*right, rng.choice(wrong)] if multiple else [rng.choice(wrong)]
        minutes = column.time_limit or 30
        started = at - timedelta(minutes=rng.uniform(0.3, 0.95) * minutes)
        cell.attempts.append(
            (
                {
                    "assessment_id": column.id,
                    "enrolment_id": student.enrolment_id,
                    "number": number,
                    "seed": rng.randrange(2**31),
                    "started_at": started,
                    "deadline_at": started + timedelta(minutes=column.time_limit)
                    if column.time_limit
                    else None,
                    "submitted_at": at,
                    "points": points,
                },
                ticked,
            )
        )
        if best is None or points > best:
            cell.changes.append(
                _change(column, student.enrolment_id, None, at, (best, False), (points, False))
            )
            best = points
        at = at + (end - at) * rng.uniform(0.2, 0.8)
    cell.handed_in_at = cell.attempts[0][0]["submitted_at"]
    cell.grade = _grade_row(column, student, best, "", None, cell.changes[-1]["at"], len(cell.changes))


def _grade_row(
    column: Column,
    student: Student,
    points: float | None,
    feedback: str,
    grader: int | None,
    at: datetime,
    version: int,
) -> dict[str, Any]:
    return {
        "assessment_id": column.id,
        "enrolment_id": student.enrolment_id,
        "points": points,
        "excused": points is None,
        "feedback": feedback,
        "graded_by_id": grader,
        "graded_at": at,
        "version": version,
    }


def _hand_in(rng: random.Random, column: Column, student: Student, at: datetime) -> dict[str, Any]:
    item = column.item
    key = "".join(rng.choices(string.ascii_letters + string.digits, k=22))
    return {
        "assessment_id": column.id,
        "enrolment_id": student.enrolment_id,
        "text": rng.choice(item["answers"]) if column.submission is SubmissionType.TEXT else "",
        "link": item["link"].format(key=key) if column.submission is SubmissionType.LINK else "",
        "file_name": "",
        "file_type": "",
        "submitted_at": at,
        "times_submitted": 1 if rng.random() < 0.8 else 2,
    }


def student_cell(
    rng: random.Random,
    column: Column,
    student: Student,
    graders: list[int],
    language: str,
    opens_at: datetime,
    now: datetime,
) -> Cell:
    """What ``student`` did in ``column`` and the grade they got, as things stand at ``now``."""
    cell = Cell()
    due = column.due_at
    weak = student.ability < 0.6
    if due > now:  # not due yet: a few hand in early, nobody is graded
        if column.kind is AssessmentKind.ASSIGNMENT and not student.showcase and rng.random() < 0.15:
            cell.submission = _hand_in(rng, column, student, _between(rng, max(opens_at, now - 3 * DAY), now))
            cell.handed_in_at = cell.submission["submitted_at"]
        return cell
    if column.kind is AssessmentKind.ATTENDANCE:
        return cell  # computed from the registers
    closes = column.released_at or now
    missing = not student.careful and rng.random() < (0.15 if weak else 0.03)
    if column.kind is AssessmentKind.QUIZ:
        if not missing:
            _quiz(rng, column, student, cell, max(opens_at, due - 5 * DAY), due - timedelta(minutes=10))
        return cell
    if column.kind is AssessmentKind.ASSIGNMENT:
        if missing:
            return cell
        at = _between(rng, max(opens_at, due - 4 * DAY), due)
        if not student.careful and rng.random() < (0.25 if weak else 0.08):
            at = min(due + rng.uniform(2, 60) * HOUR, closes - HOUR)
        cell.submission = _hand_in(rng, column, student, max(at, opens_at))
        cell.handed_in_at = cell.submission["submitted_at"]
        waits = column.grading and (student.showcase or rng.random() < 0.5)
        if column.released_at is None and (waits or not column.grading):
            return cell
        graded_at = _between(rng, cell.handed_in_at, closes)
    else:  # an exam, on its day
        if column.released_at is None and (student.showcase or rng.random() < 0.5):
            return cell
        graded_at = due - rng.uniform(1, 5) * HOUR
    grader = rng.choice(graders) if graders else None
    share = student.ability + rng.gauss(0, 0.07)
    ids: list[tuple[int, int]]
    points: float | None
    if column.kind is AssessmentKind.EXAM and missing:
        points, ids, feedback = 0.0, [], EXAM_ABSENT.get(language, EXAM_ABSENT["en"])
    elif (
        column.kind is AssessmentKind.ASSIGNMENT
        and not weak
        and student.ability < 0.9
        and rng.random() < 0.01
    ):
        points, ids, feedback = None, [], ""  # excused (a medical certificate)
    else:
        points, ids = _points(rng, column, share)
        feedback = _feedback(rng, language, (points or 0) / column.max_points)
    cell.changes.append(
        _change(column, student.enrolment_id, grader, graded_at, (None, False), (points, points is None))
    )
    appeal = column.released_at and column.released_at + rng.uniform(1, 4) * DAY
    if (
        points is not None
        and appeal
        and appeal < now - HOUR
        and rng.random() < 0.06
        and points < column.max_points
    ):
        old = points
        if column.criteria:
            chosen = [
                [lv[0] for lv in levels].index(lid)
                for (_c, lid), (_i, levels) in zip(ids, column.criteria, strict=True)
            ]
            below = [n for n, (_i, levels) in enumerate(column.criteria) if chosen[n] < len(levels) - 1]
            chosen[rng.choice(below)] += 1
            points, ids = _total(column, chosen), _level_ids(column, chosen)
        else:
            points = min(column.max_points, points + max(0.5, round(column.max_points * 0.1 * 2) / 2))
        if points != old:
            reason = rng.choice(REASONS.get(language, REASONS["en"]))
            cell.changes.append(
                _change(column, student.enrolment_id, grader, appeal, (old, False), (points, False, reason))
            )
            graded_at = appeal
    cell.levels = ids
    cell.grade = _grade_row(column, student, points, feedback, grader, graded_at, len(cell.changes))
    return cell
