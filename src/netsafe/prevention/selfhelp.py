"""The self-help modules: what the public site says, page by page.

Written for this service in plain words, in English and Welsh (every string is
marked for translation; the Welsh is in ``locale/cy``). Content lives here as data rather
than in templates so that every page is rendered the same way (headings,
helpline box, next and previous links) and tests can walk all of it.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Section:
    heading: str | Promise
    paragraphs: tuple[str | Promise, ...]


@dataclass(frozen=True)
class Page:
    slug: str
    title: str | Promise
    summary: str | Promise
    sections: tuple[Section, ...]
    #: Questions to think about, privately: nothing is typed in or kept.
    reflect: tuple[str | Promise, ...] = ()


@dataclass(frozen=True)
class Module:
    slug: str
    title: str | Promise
    who_for: str | Promise
    pages: tuple[Page, ...]

    def page(self, slug: str) -> Page | None:
        """The page called ``slug`` in this module, or ``None``."""
        return next((p for p in self.pages if p.slug == slug), None)

    def neighbours(self, page: Page) -> tuple[Page | None, Page | None]:
        """The pages before and after ``page`` in this module."""
        i = self.pages.index(page)
        before = self.pages[i - 1] if i > 0 else None
        after = self.pages[i + 1] if i + 1 < len(self.pages) else None
        return before, after


OWN_BEHAVIOUR = Module(
    slug="your-behaviour",
    title=_("Worried about your own online behaviour"),
    who_for=(
        _(
            "For anyone worried about what they look at online, or about their sexual thoughts "
            "about children. You can stop, and you do not have to do it alone."
        )
    ),
    pages=(
        Page(
            slug="why-change",
            title=_("Why change"),
            summary=_("What is at stake, and why it is worth starting now."),
            sections=(
                Section(
                    _("Every image is a real child"),
                    (
                        _(
                            "Sexual images of children are records of real children being "
                            "abused. Each time an image is viewed or shared, the harm goes on: "
                            "many people who were abused as children say that knowing the "
                            "pictures are still being looked at is one of the hardest parts."
                        ),
                        _(
                            "Looking is not a private act with no victim. Demand is what keeps "
                            "the abuse going."
                        ),
                    ),
                ),
                Section(
                    _("What it costs you"),
                    (
                        _(
                            "Viewing, downloading or sharing these images is a serious crime. "
                            "People who are caught can lose their job, their relationships and "
                            "contact with their own children. Many say the secrecy itself was "
                            "wearing them down long before that."
                        ),
                        _(
                            "Stopping is possible. Many people who have contacted us have stopped "
                            "and stayed stopped, and built lives they are not ashamed of."
                        ),
                    ),
                ),
            ),
            reflect=(
                _("What would you gain if you stopped today?"),
                _("Who would you be protecting, including yourself?"),
            ),
        ),
        Page(
            slug="understanding-why",
            title=_("Understanding why"),
            summary=_("How people come to this behaviour, without excusing it."),
            sections=(
                Section(
                    _("There is no single reason"),
                    (
                        _(
                            "People describe many routes: curiosity that escalated, using "
                            "pornography to cope with loneliness or stress, a sexual interest in "
                            "children they have never told anyone about, or a gradual drift "
                            "towards more extreme material."
                        ),
                        _(
                            "Understanding your own route is not an excuse. It is how you find "
                            "the points where you can step off it."
                        ),
                    ),
                ),
                Section(
                    _("Thoughts are not actions"),
                    (
                        _(
                            "Some people have sexual thoughts about children and have never "
                            "acted on them. Having those thoughts does not mean you will. What "
                            "you do with them is your choice, and help to manage them works."
                        ),
                    ),
                ),
            ),
            reflect=(
                _("When did your behaviour start to change?"),
                _("What was going on in your life at the time?"),
            ),
        ),
        Page(
            slug="online-world",
            title=_("The online world"),
            summary=_("Why the internet makes this easier to start and harder to see clearly."),
            sections=(
                Section(
                    _("It feels anonymous. It is not."),
                    (
                        _(
                            "Being alone with a screen can make behaviour feel unreal, as if it "
                            "had no consequences. Police forces and technology companies work "
                            "together to find people who view and share abuse images, and they "
                            "find thousands every year."
                        ),
                    ),
                ),
                Section(
                    _("Drift"),
                    (
                        _(
                            "Endless content and easy searching can pull people towards material "
                            "they would once have found shocking. Noticing that drift is an "
                            "important first step. If a search engine has shown you a warning, "
                            "that warning was meant for you: this is the moment to stop."
                        ),
                    ),
                ),
            ),
            reflect=(_("How much time do you spend online when you are alone?"),),
        ),
        Page(
            slug="habits-and-triggers",
            title=_("Habits and triggers"),
            summary=_("Spotting the moments that lead to offending, and planning for them."),
            sections=(
                Section(
                    _("Know your triggers"),
                    (
                        _(
                            "Triggers are the feelings, times and places that come before the "
                            "behaviour: boredom late at night, feeling low or rejected, drinking, "
                            "having the house to yourself. Writing them down, somewhere private, "
                            "helps you see the pattern."
                        ),
                    ),
                ),
                Section(
                    _("Change the routine"),
                    (
                        _(
                            "Small practical changes make a difference: keep devices out of the "
                            "bedroom, use filtering software, do not use the internet when you "
                            "have been drinking, plan something for the times you know are hard."
                        ),
                        _(
                            "When an urge comes, it passes. Doing something else for fifteen "
                            "minutes (a walk, a call to a friend, a shower) is often enough."
                        ),
                    ),
                ),
            ),
            reflect=(
                _("Which times of day are hardest for you?"),
                _("What could you do instead, next time?"),
            ),
        ),
        Page(
            slug="staying-stopped",
            title=_("Staying stopped"),
            summary=_("Building a life that makes going back less likely."),
            sections=(
                Section(
                    _("A good life protects"),
                    (
                        _(
                            "People who stay stopped usually have things that matter to them: "
                            "people they are close to, work or activity that gives them purpose, "
                            "ways of coping with stress that do not involve a screen."
                        ),
                    ),
                ),
                Section(
                    _("If you slip"),
                    (
                        _(
                            "A slip is a sign to get more help, not a reason to give up. Talk to "
                            "someone. Our helpline is confidential and you do not have to give "
                            "your name."
                        ),
                    ),
                ),
            ),
            reflect=(_("Who could you talk to if things got difficult?"),),
        ),
    ),
)

FAMILIES = Module(
    slug="families",
    title=_("For families and friends"),
    who_for=(
        _(
            "For partners, parents, children and friends of someone who has been arrested for, or "
            "is worried about, viewing sexual images of children."
        )
    ),
    pages=(
        Page(
            slug="first-days",
            title=_("The first days"),
            summary=_("Shock, questions, and what to expect."),
            sections=(
                Section(
                    _("What you may be feeling"),
                    (
                        _(
                            "Many people describe shock, anger, shame, grief and confusion, "
                            "sometimes all on the same day. There is no right way to feel. You "
                            "have done nothing wrong."
                        ),
                    ),
                ),
                Section(
                    _("What happens next"),
                    (
                        _(
                            "After a search or an arrest, devices are usually taken for "
                            "examination, which can take months. The person may be released "
                            "while the investigation goes on. Children's services may contact "
                            "you: their job is to make sure children are safe, and working with "
                            "them usually helps."
                        ),
                    ),
                ),
            ),
        ),
        Page(
            slug="keeping-children-safe",
            title=_("Keeping children safe"),
            summary=_("Practical steps while you take stock."),
            sections=(
                Section(
                    _("Put children first"),
                    (
                        _(
                            "Follow any conditions set by the police or children's services. "
                            "Talk to the children in your life in a way that suits their age: "
                            "they need to know they can tell you anything and they will not be "
                            "in trouble."
                        ),
                        _("If you believe a child is in danger now, call 999."),
                    ),
                ),
            ),
        ),
        Page(
            slug="looking-after-yourself",
            title=_("Looking after yourself"),
            summary=_("You need support too."),
            sections=(
                Section(
                    _("You are not alone"),
                    (
                        _(
                            "Many families go through this, though few talk about it. Our "
                            "helpline talks with family members every day, confidentially, and "
                            "can tell you about support groups for families."
                        ),
                        _(
                            "Try to keep some routine, sleep and eat, and let one or two people "
                            "you trust know that you are struggling."
                        ),
                    ),
                ),
            ),
        ),
    ),
)

MODULES: tuple[Module, ...] = (OWN_BEHAVIOUR, FAMILIES)


def module(slug: str) -> Module | None:
    """The module called ``slug``, or ``None``."""
    return next((m for m in MODULES if m.slug == slug), None)
