"""Plain-Russian words for the codes the marts use, shared by the workbook and the school
reports so an official reads the same explanation in both."""
from __future__ import annotations

# The workbook sheet listing every objectivity flag; other sheets refer readers to it.
FLAGS_SHEET = "Признаки необъективности"

CHECKS = {
    "O1": ("Завышенный средний балл",
           "средний балл школы заметно выше регионального: даже нижняя граница его 95%-го "
           "интервала выше верхней границы интервала региона"),
    "O2": ("Отметки в журнале не согласуются с работой",
           "ученики с лучшими отметками в журнале не набрали больше баллов в работе "
           "(ранговая корреляция ниже нуля)"),
    "O3": ("Резкое изменение результатов класса через год",
           "результаты того же класса через год изменились намного сильнее, чем в других школах"),
    "O4": ("Пик на границе отметки",
           "ровно минимальный балл отметки набрали намного больше учеников, чем можно ожидать "
           "по распределению баллов в регионе"),
    "O5": ("Сложные задания решены лучше простых",
           "задания повышенного уровня решены заметно лучше, чем в регионе, а базовые — "
           "заметно хуже"),
    "O6": ("Резкий скачок результатов за год",
           "средний результат школы по той же работе изменился за год намного сильнее, чем в "
           "других школах, и это не объясняется случайностью"),
}
STATUS = {"flagged": "признак выявлен", "ok": "нет признака",
          "insufficient_data": "недостаточно данных"}
FILE_STATUS = {"accepted": "принят", "rejected": "отклонён", "superseded": "заменён"}

# Column headers of tables shown as they are (audit.load_report has no fixed contract yet).
COLUMN_RU = {
    "academic_year": "Учебный год", "window": "Окно", "municipality": "Муниципалитет",
    "school_login": "Логин школы", "school_name": "Школа", "procedure": "Процедура",
    "grade": "Класс", "subject": "Предмет", "status": "Статус", "message": "Сообщение",
    "files_expected": "Файлов ожидалось", "files_received": "Файлов получено",
    "files_accepted": "Принято", "files_rejected": "Отклонено", "files_superseded": "Заменено",
    "files_missing": "Не хватает файлов", "rows_read": "Строк прочитано",
    "rows_loaded": "Загружено", "rows_set_aside": "Отложено", "warnings": "Предупреждений",
    "issues": "Замечания", "path": "Файл", "sha256": "SHA-256",
}


def check_name(code: str) -> str:
    return CHECKS.get(code, (code, ""))[0]


def check_meaning(code: str) -> str:
    return CHECKS.get(code, ("", ""))[1]
