"""Delete logged questions and feedback counts older than questions.KEEP_DAYS (also done on every write)."""

from django.core.management.base import BaseCommand

from binhdan.assistant import questions


class Command(BaseCommand):
    help = f"Xoá câu hỏi đã ghi và góp ý cũ hơn {questions.KEEP_DAYS} ngày."

    def handle(self, *args: object, **options: object) -> None:
        removed = questions.purge()
        self.stdout.write(f"Đã xoá {removed} dòng cũ hơn {questions.KEEP_DAYS} ngày.")
