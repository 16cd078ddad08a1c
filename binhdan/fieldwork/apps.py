from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save


class FieldworkConfig(AppConfig):
    name = "binhdan.fieldwork"
    label = "fieldwork"
    verbose_name = "Hoạt động của Tổ công nghệ số"

    def ready(self) -> None:
        from binhdan.fieldwork.panels import household_visits
        from binhdan.fieldwork.sync import forget_skills_cache
        from binhdan.registry.models import Skill
        from binhdan.registry.panels import register_panel

        # Each process keeps the skills map for a few seconds; an edit here clears it at once.
        post_save.connect(forget_skills_cache, sender=Skill, dispatch_uid="fieldwork-skills-cache")
        post_delete.connect(forget_skills_cache, sender=Skill, dispatch_uid="fieldwork-skills-cache-delete")
        from binhdan.fieldwork.erasure import ERASURE_STEP_KEY, redact_fieldwork_text
        from binhdan.registry.rights import register_erasure_step

        # A resident's erasure also redacts visit notes and other fieldwork text that names them.
        register_erasure_step(ERASURE_STEP_KEY, redact_fieldwork_text)
        register_panel("household", "fieldwork-visits", household_visits)
        from binhdan.fieldwork.links import register_place_links
        from binhdan.fieldwork.views_scams import scam_place_links

        register_place_links("fieldwork-scams", scam_place_links)
        from binhdan.fieldwork.demo import register_demo_step
        from binhdan.fieldwork.demo_scams import demo_step as scams_demo

        register_demo_step("fieldwork-scams", scams_demo)
