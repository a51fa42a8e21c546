"""First deployment: the public site's pages (cms_pages/site_setup.py) in place of Wagtail's
English "Welcome to your new Wagtail site!" page, which `migrate` leaves as the home page."""

from django.core.management.base import BaseCommand
from django.db import transaction

from cms_pages.site_setup import ensure_public_site


class Command(BaseCommand):
    help = "Create the public site's pages (home, notices, Q&A, inquiry form) where they are missing."

    @transaction.atomic
    def handle(self, *args, **options):
        home = ensure_public_site()
        pages = [home, *home.get_children().order_by("path")]
        self.stdout.write("公開サイトのページ:\n" + "\n".join(f"  {page.url_path}  {page.title}" for page in pages))
