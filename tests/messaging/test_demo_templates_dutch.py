"""The ChargeCars demo speaks Dutch: every demo template has its Dutch wording on every channel
the English one has, and each wording is a template that renders."""

from django.template import Context, Template

from messaging.demo_templates import DEMO_TEMPLATES
from messaging.demo_templates_nl import DUTCH_WORDINGS


def test_every_demo_template_has_its_dutch_wording_on_each_channel():
    assert set(DUTCH_WORDINGS) == {demo.key for demo in DEMO_TEMPLATES}
    for demo in DEMO_TEMPLATES:
        english = {wording.channel for wording in demo.wordings}
        dutch = {channel for channel, _subject, _text in DUTCH_WORDINGS[demo.key]}
        assert english <= dutch, demo.key


def test_each_dutch_wording_renders():
    context = Context({"first_name": "Sanne", "brand_name": "ChargeCars", "order_number": "L-1"})
    for key, wordings in DUTCH_WORDINGS.items():
        for _channel, subject, text in wordings:
            rendered = Template(subject + "\n" + text).render(context)
            assert rendered.strip() and "{{" not in rendered, key
