"""Starter training content: a library of module and guideline templates (German and English).

This file is *content*, not logic. Each entry in ``TEMPLATES`` is a ready-made training module
whose ``"module"`` value is exactly the body of ``POST /training/modules`` (API.md, "Training").
A tenant clones a template, replaces the placeholders and adapts the text before publishing.
``GUIDELINE_TEMPLATES`` holds the company's social media guideline as a document, in the shape
of the ``POST /guidelines`` body.

Modules (each in ``_de`` and ``_en``):

- ``brand_values_workshop``: what the company stands for, in one's own words; big seed,
  authenticity, voluntary participation, no copy-paste sameness.
- ``social_media_guideline``: who may say what, business secrets, company accounts,
  disclosure of the employment relationship, tone, limits of free speech, crisis communication.
- ``healthcare_advertising_rules``: German Heilmittelwerbegesetz (HWG) basics for healthcare,
  MedTech and pharma only.
- ``data_protection_basics``: GDPR (DSGVO) basics for posting, and what to do after a mistake.

Placeholders are written in braces, e.g. ``{Unternehmen}``, ``{Kommunikationsabteilung}``,
``{Company}``, ``{Communications team}``. They are plain text, not ``str.format`` fields;
``list_templates`` reports the placeholders each template uses so an editor can highlight them.

The content is general guidance for starting a program, not legal advice; tenants in regulated
industries should have their legal, regulatory and data protection teams review it.
"""

from __future__ import annotations

import copy
import re
import textwrap
from typing import Any

ALL_INDUSTRIES = ["generic", "healthcare", "medtech", "pharma", "finance", "public"]
HEALTH_INDUSTRIES = ["healthcare", "medtech", "pharma"]

_PLACEHOLDER = re.compile(r"\{([^{}\n]{1,60})\}")


# --------------------------------------------------------------------------------------------
# Small builders: they only turn compact literals into the API's JSON shape.
# --------------------------------------------------------------------------------------------


def _text(value: str) -> str:
    return textwrap.dedent(value).strip()


def _lesson(title: str, body: str) -> dict[str, str]:
    return {"title": title, "body": _text(body)}


def _single(text: str, options: list[tuple[str, bool]], explanation: str) -> dict[str, Any]:
    return _question(text, "single", options, explanation)


def _multiple(text: str, options: list[tuple[str, bool]], explanation: str) -> dict[str, Any]:
    return _question(text, "multiple", options, explanation)


def _question(text: str, kind: str, options: list[tuple[str, bool]], explanation: str) -> dict[str, Any]:
    return {
        "text": text,
        "kind": kind,
        "options": [{"text": option, "correct": correct} for option, correct in options],
        "explanation": explanation,
    }


def _template(key: str, industries: list[str], *, lessons: list, questions: list, **module: Any) -> dict[str, Any]:
    body = {
        **module,
        "recertify_after_days": 365,
        "max_attempts": 3,
        "lessons": lessons,
        "quiz": {"pass_score": 80, "questions": questions},
    }
    return {"key": key, "industries": list(industries), "module": body}


# ============================================================================================
# 1. Brand values workshop
# ============================================================================================

BRAND_VALUES_WORKSHOP_DE = _template(
    "brand_values_workshop_de",
    ALL_INDUSTRIES,
    title="Markenwerte-Workshop: Wofür {Unternehmen} steht – in Ihren eigenen Worten",
    kind="brand_values",
    locale="de",
    summary=(
        "Warum Ihre Stimme zählt, was {Unternehmen} ausmacht und wie Sie darüber glaubwürdig "
        "und in eigenen Worten sprechen – freiwillig, authentisch und ohne Copy-paste."
    ),
    required=False,
    lessons=[
        _lesson(
            "Warum Ihre Stimme zählt",
            """
            Menschen vertrauen Menschen mehr als Marken. Im Edelman Trust Barometer wurden
            Mitarbeitende als fast so glaubwürdig eingeschätzt wie wissenschaftliche Expertinnen
            und Experten. Wenn Sie über Ihre Arbeit bei {Unternehmen} sprechen, hat das ein
            Gewicht, das keine Anzeige erreicht.

            Gleichzeitig zeigt Gallup: **Nur 41 % der Beschäftigten** stimmen voll zu, dass sie
            wissen, wofür ihr Unternehmen steht. Wer die eigene Marke nicht erklären kann, teilt
            seltener – oder teilt Inhalte, hinter denen er nicht ganz steht. Dieser Workshop
            schließt die Lücke.

            ### Das Prinzip der „großen Saat“ (Big Seed)
            Inhalte verbreiten sich nicht vor allem über wenige Stars mit riesiger Reichweite,
            sondern wenn viele Menschen sie in ihren ganz normalen Netzwerken teilen. Studien
            (u. a. Watts; Liu-Thompkins) zeigen: Viele durchschnittliche Stimmen erreichen mehr
            als wenige große. Ihre Kontakte überschneiden sich außerdem weniger mit denen Ihrer
            Kolleginnen und Kollegen, als man denkt – Sie erreichen Menschen, die {Unternehmen}
            sonst nie erreichen würde.

            ### Was das für Sie heißt
            - Sie müssen kein Influencer mit Tausenden Followern sein.
            - Ein ehrlicher Beitrag im Monat an 150 Kontakte ist wertvoll.
            - Entscheidend ist Glaubwürdigkeit, nicht Reichweite.
            """,
        ),
        _lesson(
            "Wofür {Unternehmen} steht",
            """
            Bevor Sie über {Unternehmen} sprechen, lohnt sich ein klarer Blick auf das Fundament.
            Hier stehen die Kernaussagen Ihres Unternehmens:

            - **Mission – warum es uns gibt:** {Mission}
            - **Unsere Werte:** {Wert 1}, {Wert 2}, {Wert 3}
            - **Was uns unterscheidet:** {Unterscheidungsmerkmal}
            - **Für wen wir arbeiten:** {Zielgruppen}

            ### Übung: Die Aufzug-Frage
            Stellen Sie sich vor, jemand fragt Sie im Aufzug: „Was macht ihr eigentlich bei
            {Unternehmen}?“ Sie haben 30 Sekunden. Schreiben Sie drei Sätze auf:

            1. Was wir tun – ohne Fachjargon.
            2. Warum es wichtig ist – und für wen.
            3. Was Sie persönlich daran überzeugt – ein Erlebnis, ein Projekt, ein Mensch.

            Der dritte Satz ist der wichtigste. Werte werden glaubwürdig, wenn sie an einem
            konkreten Beispiel sichtbar werden: die Kollegin, die nach Feierabend noch eine
            Lieferung für einen Kunden gerettet hat; das Team, das eine Lösung gefunden hat, an
            der andere gescheitert sind.

            ### Konsistent, nicht identisch
            Die Kernaussagen sind für alle gleich – die Geschichten dazu sind Ihre eigenen. So
            entsteht aus vielen Perspektiven ein stimmiges Bild der Marke.
            """,
        ),
        _lesson(
            "In eigenen Worten statt Copy-paste",
            """
            Eines der häufigsten Probleme von Corporate-Influencer-Programmen: Zwanzig
            Mitarbeitende posten am selben Tag denselben Text. Das wirkt gekauft und unecht. Ihr
            Netzwerk merkt es sofort, und Plattformen zeigen gleichlautende Beiträge oft
            seltener an.

            ### So machen Sie einen Inhalt zu Ihrem eigenen
            - **Eigener Einstieg:** Warum teilen Sie das? Was hat Sie überrascht, gefreut oder
              nachdenklich gemacht?
            - **Eigene Erfahrung:** Ein Satz aus Ihrem Arbeitsalltag macht aus einer
              Pressemitteilung eine Geschichte.
            - **Eigene Sprache:** Schreiben Sie so, wie Sie auch mit Ihren Kontakten sprechen.
              Fachbegriffe nur, wenn Ihr Publikum sie versteht.
            - **Eigene Auswahl:** Sie müssen nicht alles teilen. Teilen Sie, was zu Ihnen und
              Ihrem Netzwerk passt.

            ### Beispiel
            - Vorlage: „{Unternehmen} eröffnet einen neuen Standort in Leipzig.“
            - Persönlich: „Vor zwei Jahren standen wir hier auf einer leeren Wiese – heute habe ich
              die erste Schicht an unserem neuen Standort begrüßt. Stolz auf dieses Team!“

            Die Vorschläge in der Content-Bibliothek sind Anregungen, keine Pflichttexte. Fakten,
            Zahlen und freigegebene Aussagen übernehmen Sie bitte unverändert – den Rahmen
            drumherum gestalten Sie selbst.
            """,
        ),
        _lesson(
            "Freiwillig und authentisch",
            """
            Die Teilnahme am Programm ist **freiwillig**. Niemand muss posten, und niemand wird
            benachteiligt, weil er oder sie es nicht tut. Das ist kein Detail, sondern die
            Grundlage: Empfehlungen wirken nur, wenn sie aus Überzeugung kommen. Verordnete
            Begeisterung zerstört genau die Glaubwürdigkeit, um die es geht.

            ### Authentisch heißt
            - Sie teilen nur Inhalte, hinter denen Sie stehen.
            - Sie dürfen auch sagen, was schwierig war – konstruktiv und ohne interne Details.
            - Sie bleiben erkennbar Sie selbst: Ihr Fachgebiet, Ihre Interessen, Ihr Ton.
            - Sie machen Ihr Arbeitsverhältnis transparent, wenn Sie über {Unternehmen} sprechen.

            ### Engagement ist die Quelle
            Laut Gallup würden in Deutschland 81 % der emotional gebundenen Beschäftigten die
            Produkte ihres Arbeitgebers empfehlen, aber nur 18 % der Beschäftigten ohne Bindung.
            Gute Markenbotschafterinnen und -botschafter entstehen also nicht durch Vorgaben,
            sondern durch gute Arbeit und ein Umfeld, in dem man gern arbeitet.

            ### Was Sie von {Unternehmen} erwarten dürfen
            Frische Inhalte, Schulungen, klare Regeln und Ansprechpersonen bei Fragen – und keine
            Auswertung Ihrer Teilnahme zur Leistungs- oder Verhaltenskontrolle.
            """,
        ),
    ],
    questions=[
        _single(
            "Wie viele Beschäftigte stimmen laut Gallup voll zu, dass sie wissen, wofür ihr Unternehmen steht?",
            [("Rund 41 %", True), ("Rund 81 %", False), ("Rund 18 %", False), ("Über 90 %", False)],
            "Nur 41 % wissen genau, wofür ihr Unternehmen steht. Deshalb beginnt ein gutes "
            "Programm mit den Markenwerten, nicht mit dem Posten.",
        ),
        _single(
            "Was besagt das Big-Seed-Prinzip?",
            [
                (
                    "Inhalte verbreiten sich am besten, wenn viele Menschen sie in ihren normalen Netzwerken teilen.",
                    True,
                ),
                ("Ein Programm braucht vor allem wenige Mitarbeitende mit sehr großer Reichweite.", False),
                ("Je öfter derselbe Text gepostet wird, desto größer die Wirkung.", False),
            ],
            "Viele durchschnittliche Stimmen erreichen mehr als wenige große, zumal sich die "
            "Netzwerke der Mitarbeitenden wenig überschneiden.",
        ),
        _multiple(
            "Wie machen Sie einen Vorschlag aus der Content-Bibliothek zu Ihrem eigenen Beitrag? (Mehrere Antworten möglich)",
            [
                ("Einen eigenen Einstieg schreiben, warum Sie den Inhalt teilen", True),
                ("Eine kurze eigene Erfahrung aus dem Arbeitsalltag ergänzen", True),
                ("Freigegebene Zahlen nach eigenem Gefühl runden oder zuspitzen", False),
                ("Den Vorschlagstext unverändert zur selben Uhrzeit wie alle anderen posten", False),
            ],
            "Eigener Einstieg und eigene Erfahrung machen einen Beitrag glaubwürdig. Fakten und "
            "Zahlen bleiben dagegen unverändert, und identische Massenposts wirken unecht.",
        ),
        _single(
            "Eine Kollegin postet nie über {Unternehmen}. Was gilt?",
            [
                ("Das ist ihr gutes Recht – die Teilnahme ist freiwillig und hat keine Nachteile.", True),
                ("Ihre Führungskraft sollte das in der Leistungsbeurteilung berücksichtigen.", False),
                ("Sie muss mindestens einen Pflichtbeitrag pro Monat veröffentlichen.", False),
            ],
            "Die Teilnahme ist freiwillig. Erzwungene Beiträge zerstören die Glaubwürdigkeit, "
            "um die es im Programm geht.",
        ),
        _multiple(
            "Was macht einen Beitrag über {Unternehmen} authentisch? (Mehrere Antworten möglich)",
            [
                ("Sie teilen nur Inhalte, hinter denen Sie stehen.", True),
                ("Sie machen transparent, dass Sie bei {Unternehmen} arbeiten.", True),
                ("Sie schreiben in Ihrem eigenen Ton über Ihr Fachgebiet.", True),
                ("Sie geben sich als unabhängige Kundin oder unabhängiger Kunde aus.", False),
            ],
            "Authentizität heißt Überzeugung, Transparenz und eigene Stimme. Sich als "
            "unabhängige Person auszugeben, ist irreführend und kann rechtliche Folgen haben.",
        ),
        _single(
            "Welcher Satz in der Aufzug-Übung macht die Werte von {Unternehmen} am glaubwürdigsten?",
            [
                ("Ein konkretes persönliches Erlebnis, das zeigt, was Sie überzeugt", True),
                ("Die wörtlich zitierte Mission aus dem Geschäftsbericht", False),
                ("Eine vollständige Aufzählung aller Produkte", False),
            ],
            "Werte werden an konkreten Beispielen sichtbar. Die Kernaussagen sind für alle "
            "gleich, die Geschichte dazu ist Ihre eigene.",
        ),
    ],
)

BRAND_VALUES_WORKSHOP_EN = _template(
    "brand_values_workshop_en",
    ALL_INDUSTRIES,
    title="Brand values workshop: what {Company} stands for – in your own words",
    kind="brand_values",
    locale="en",
    summary=(
        "Why your voice matters, what makes {Company} different, and how to talk about it "
        "credibly and in your own words – voluntary, authentic and without copy-paste."
    ),
    required=False,
    lessons=[
        _lesson(
            "Why your voice matters",
            """
            People trust people more than brands. In the Edelman Trust Barometer, employees were
            rated almost as credible as scientific experts. When you talk about your work at
            {Company}, it carries a weight no advertisement can buy.

            At the same time, Gallup found that **only 41% of employees** strongly agree that
            they know what their company stands for. People who cannot explain their own brand
            share less often – or share content they do not fully stand behind. This workshop
            closes that gap.

            ### The “big seed” principle
            Content does not mainly spread through a few stars with huge audiences. It spreads
            when many people share it in their ordinary, average-sized networks. Research (Watts;
            Liu-Thompkins and others) shows that many ordinary voices reach further than a few
            big ones. And your contacts overlap far less with your colleagues’ contacts than you
            might think – you reach people {Company} would otherwise never reach.

            ### What this means for you
            - You do not need to be an influencer with thousands of followers.
            - One honest post a month to 150 contacts is valuable.
            - Credibility matters more than reach.
            """,
        ),
        _lesson(
            "What {Company} stands for",
            """
            Before you talk about {Company}, take a clear look at the foundation. These are your
            company’s core messages:

            - **Mission – why we exist:** {Mission}
            - **Our values:** {Value 1}, {Value 2}, {Value 3}
            - **What sets us apart:** {Differentiator}
            - **Who we work for:** {Audiences}

            ### Exercise: the elevator question
            Imagine someone asks you in the elevator: “So what do you actually do at
            {Company}?” You have 30 seconds. Write down three sentences:

            1. What we do – without jargon.
            2. Why it matters – and to whom.
            3. What convinces you personally – an experience, a project, a person.

            The third sentence is the most important. Values become credible when they show up
            in a concrete example: the colleague who stayed late to rescue a customer’s delivery;
            the team that solved a problem others had given up on.

            ### Consistent, not identical
            The core messages are the same for everyone – the stories are your own. Many
            different perspectives add up to one coherent picture of the brand.
            """,
        ),
        _lesson(
            "Your own words instead of copy-paste",
            """
            One of the most common problems of employee advocacy programs: twenty employees post
            the same text on the same day. It looks bought and fake. Your network notices
            immediately, and platforms often show identical posts to fewer people.

            ### How to make content your own
            - **Your own opening:** Why are you sharing this? What surprised, pleased or
              intrigued you?
            - **Your own experience:** One sentence from your working day turns a press release
              into a story.
            - **Your own language:** Write the way you talk to your contacts. Use technical terms
              only if your audience understands them.
            - **Your own selection:** You do not have to share everything. Share what fits you
              and your network.

            ### Example
            - Template: “{Company} opens a new site in Leipzig.”
            - Personal: “Two years ago this was an empty field – today I welcomed the first shift
              at our new site. Proud of this team!”

            The suggestions in the content library are ideas, not mandatory texts. Please keep
            facts, figures and approved statements unchanged – everything around them is yours
            to shape.
            """,
        ),
        _lesson(
            "Voluntary and authentic",
            """
            Taking part in the program is **voluntary**. Nobody has to post, and nobody is put at
            a disadvantage for not posting. This is not a detail, it is the foundation:
            recommendations only work when they come from conviction. Enthusiasm on command
            destroys exactly the credibility the program is about.

            ### Authentic means
            - You only share what you stand behind.
            - You may say what was difficult – constructively and without internal details.
            - You stay recognisably yourself: your field, your interests, your tone.
            - You disclose your employment when you talk about {Company}.

            ### Engagement is the source
            According to Gallup, 81% of engaged employees in Germany would recommend their
            employer’s products, compared with 18% of disengaged employees. Good brand
            ambassadors are not created by instructions but by good work and a workplace people
            enjoy.

            ### What you can expect from {Company}
            Fresh content, training, clear rules and people to ask – and no use of your
            participation data to assess your performance or behaviour.
            """,
        ),
    ],
    questions=[
        _single(
            "According to Gallup, how many employees strongly agree that they know what their company stands for?",
            [("About 41%", True), ("About 81%", False), ("About 18%", False), ("More than 90%", False)],
            "Only 41% clearly know what their company stands for. That is why a good program "
            "starts with brand values, not with posting.",
        ),
        _single(
            "What does the big seed principle say?",
            [
                ("Content spreads best when many people share it in their ordinary networks.", True),
                ("A program mainly needs a few employees with very large audiences.", False),
                ("The more often the same text is posted, the greater the effect.", False),
            ],
            "Many ordinary voices reach further than a few big ones, especially because "
            "employees’ networks overlap little.",
        ),
        _multiple(
            "How do you turn a suggestion from the content library into your own post? (Select all that apply)",
            [
                ("Write your own opening about why you are sharing it", True),
                ("Add a short experience from your working day", True),
                ("Round or sharpen approved figures as you see fit", False),
                ("Post the suggested text unchanged at the same time as everyone else", False),
            ],
            "Your own opening and experience make a post credible. Facts and figures stay "
            "unchanged, and identical mass posts look fake.",
        ),
        _single(
            "A colleague never posts about {Company}. What applies?",
            [
                ("That is her right – participation is voluntary and has no disadvantages.", True),
                ("Her manager should take it into account in her performance review.", False),
                ("She must publish at least one mandatory post per month.", False),
            ],
            "Participation is voluntary. Forced posts destroy the credibility the program is about.",
        ),
        _multiple(
            "What makes a post about {Company} authentic? (Select all that apply)",
            [
                ("You only share content you stand behind.", True),
                ("You disclose that you work at {Company}.", True),
                ("You write about your field in your own tone.", True),
                ("You present yourself as an independent customer.", False),
            ],
            "Authenticity means conviction, transparency and your own voice. Posing as an "
            "independent customer is misleading and can have legal consequences.",
        ),
        _single(
            "Which sentence in the elevator exercise makes {Company}’s values most credible?",
            [
                ("A concrete personal experience that shows what convinces you", True),
                ("The mission statement quoted word for word from the annual report", False),
                ("A complete list of all products", False),
            ],
            "Values become visible in concrete examples. The core messages are the same for "
            "everyone; the story is your own.",
        ),
    ],
)


# ============================================================================================
# 2. Social media guideline (training on the company's guideline)
# ============================================================================================

SOCIAL_MEDIA_GUIDELINE_DE = _template(
    "social_media_guideline_de",
    ALL_INDUSTRIES,
    title="Social-Media-Guideline von {Unternehmen}: Was gilt für mich?",
    kind="guidelines",
    locale="de",
    summary=(
        "Die Social-Media-Guideline kompakt: wer was sagen darf, Geschäftsgeheimnisse, "
        "Unternehmensaccounts, Kennzeichnung, respektvoller Ton, Grenzen der Meinungsfreiheit "
        "und Verhalten in der Krise."
    ),
    required=True,
    lessons=[
        _lesson(
            "Wer darf was sagen – und in wessen Namen?",
            """
            Die Social-Media-Guideline von {Unternehmen} regelt, welche Informationen wer
            kommunizieren darf. Sie schränkt Ihr Privatleben nicht ein, sondern gibt Ihnen
            Sicherheit, wenn Sie über Ihre Arbeit sprechen.

            ### Sprechen für das Unternehmen
            - Offizielle Stellungnahmen, Geschäftszahlen sowie Presse- und Investorenthemen
              kommen ausschließlich von den benannten Stellen ({Kommunikationsabteilung}).
            - Accounts, Seiten oder Gruppen im Namen von {Unternehmen} – auch für Standorte,
              Produkte oder Teams – dürfen nur nach Freigabe durch {Kommunikationsabteilung}
              eröffnet werden. Sie werden zentral verwaltet, damit Zugänge bei Personalwechseln
              nicht verloren gehen.

            ### Sprechen über das Unternehmen
            - Als Corporate Influencer sprechen Sie in Ihrem eigenen Namen: über Ihre Arbeit,
              Ihr Fachgebiet, veröffentlichte Produkte, Veranstaltungen und freigegebene Inhalte.
            - Machen Sie deutlich, dass Sie Ihre persönliche Meinung äußern, etwa im Profil:
              „Hier schreibe ich persönlich.“

            ### Privat und beruflich
            Auf privaten Accounts entscheiden Sie selbst, was Sie posten. Sobald Sie aber
            erkennbar über {Unternehmen}, Kolleginnen und Kollegen, Kunden oder Produkte
            schreiben, gilt diese Guideline – egal, ob der Account „privat“ oder „beruflich“
            ist. Trennen Sie, wo es sinnvoll ist: Urlaubsfotos gehören nicht zwingend auf
            LinkedIn, interne Einblicke nie auf einen öffentlichen Account.
            """,
        ),
        _lesson(
            "Geschäftsgeheimnisse und vertrauliche Informationen",
            """
            Was intern ist, bleibt intern. Dazu gehören insbesondere:

            - nicht veröffentlichte Zahlen, Umsätze, Prognosen und Preise,
            - Produkte, Studien und Projekte vor ihrer offiziellen Vorstellung,
            - Kunden-, Lieferanten- und Vertragsdetails,
            - interne Dokumente, Präsentationen, Organigramme und Bildschirminhalte,
            - Personalangelegenheiten, Umstrukturierungen und Verhandlungen.

            ### Warum das so ernst ist
            Der Verrat von Geschäftsgeheimnissen verletzt Ihre arbeitsvertraglichen Pflichten
            und kann eine **fristlose Kündigung** rechtfertigen. Hinzu kommen mögliche
            Schadensersatzforderungen und bei börsennotierten Unternehmen Verstöße gegen das
            Insiderrecht. Auch Unabsichtliches zählt: das Whiteboard im Hintergrund des
            Teamfotos, der Bildschirm beim Homeoffice-Selfie, die Andeutung „Bald gibt es große
            Neuigkeiten mit Kunde X“.

            ### Faustregel
            Wenn Sie nicht sicher sind, ob etwas öffentlich ist, ist es nicht öffentlich. Prüfen
            Sie, ob die Information bereits auf der Website, in einer Pressemitteilung oder in
            der Content-Bibliothek steht – oder fragen Sie {Kommunikationsabteilung}, bevor Sie
            posten.

            ### Vorsicht, wenn jemand Sie ausfragt
            Auch in Kommentaren und Direktnachrichten versuchen Dritte manchmal, Details zu
            erfahren (Social Engineering). Verweisen Sie freundlich an die offiziellen Kontakte.
            """,
        ),
        _lesson(
            "Transparenz, respektvoller Ton und Grenzen der Meinungsfreiheit",
            """
            ### Arbeitsverhältnis offenlegen
            Wenn Sie über Produkte, Leistungen oder Stellenangebote von {Unternehmen} posten,
            muss Ihr Publikum erkennen können, dass Sie dort arbeiten – sonst kann der Beitrag
            als verdeckte Werbung gelten. So geht es:
            - im Beitrag selbst: „Ich arbeite bei {Unternehmen} und …“ oder #Mitarbeiter bzw.
              #Mitarbeiterin,
            - zusätzlich im Profil: Ihre aktuelle Position bei {Unternehmen}.

            Ein Hinweis nur im Profil reicht nicht, wenn der Beitrag für sich allein nicht
            erkennen lässt, wer spricht.

            ### Respektvoll bleiben
            - Sachlich bleiben, auch bei Kritik. Danken Sie für Hinweise, statt sich zu
              rechtfertigen.
            - Keine abwertenden Äußerungen über Wettbewerber, Kunden oder Kollegen.
            - Keine Diskriminierung und keine Beleidigungen, auch nicht „als Witz“.
            - Lassen Sie sich nicht provozieren.

            ### Wo die Meinungsfreiheit endet
            Die Meinungsfreiheit schützt viel, aber nicht alles. Nicht geschützt sind
            **Verleumdung und üble Nachrede, Drohungen, Beleidigungen, unwahre
            Tatsachenbehauptungen** sowie Äußerungen, die den **Betriebsfrieden stören** – etwa
            öffentliche Hetze gegen Kolleginnen und Kollegen. Solche Beiträge können
            arbeitsrechtliche Folgen haben, bis hin zur Kündigung.
            """,
        ),
        _lesson(
            "Wenn es kritisch wird: Krisenkommunikation",
            """
            Ein negativer Pressebericht, ein Produktrückruf, ein viraler Beschwerdepost: In einer
            Krise ist die Versuchung groß, das Unternehmen spontan zu verteidigen. Das ist gut
            gemeint, doch einzelne, unabgestimmte Aussagen können die Lage verschärfen.

            ### So verhalten Sie sich
            1. **Nicht spontan reagieren:** keine eigenen Erklärungen, Vermutungen oder
               Schuldzuweisungen.
            2. **Offizielle Position nutzen:** {Kommunikationsabteilung} stellt die abgestimmte
               Position in der Content-Bibliothek bereit. Teilen Sie nur diese oder verweisen
               Sie darauf.
            3. **Anfragen weiterleiten:** Presseanfragen, Anfragen von Behörden und Fragen
               Betroffener gehen an {Krisenkontakt}.
            4. **Nicht in Panik löschen:** Kritische Kommentare unter Ihren Beiträgen nicht
               einfach entfernen. Beleidigungen oder Hassrede melden Sie der Plattform und
               {Kommunikationsabteilung}.
            5. **Melden statt schweigen:** Entdecken Sie etwas Kritisches, das das Team noch
               nicht kennt, geben Sie kurz Bescheid.

            ### Ein guter Standardsatz
            „Danke für den Hinweis. Ich arbeite bei {Unternehmen}, kann dazu aber nichts
            Offizielles sagen – die aktuelle Stellungnahme von {Unternehmen} finden Sie hier: [Link].“

            ### Wenn Ihnen ein Fehler passiert
            Ein missglückter Post ist kein Weltuntergang. Löschen oder korrigieren Sie ihn
            transparent und informieren Sie {Kommunikationsabteilung}. Schnell zu handeln ist
            besser, als auf das Beste zu hoffen.
            """,
        ),
    ],
    questions=[
        _single(
            "Sie möchten für Ihren Standort eine Instagram-Seite im Namen von {Unternehmen} eröffnen. Was ist richtig?",
            [
                ("Nur nach Freigabe durch {Kommunikationsabteilung}; die Seite wird zentral verwaltet.", True),
                ("Das ist jederzeit möglich, solange Sie das Logo korrekt verwenden.", False),
                ("Das ist erlaubt, wenn Ihre Teamleitung zustimmt und Sie die Zugangsdaten privat verwahren.", False),
            ],
            "Accounts im Namen des Unternehmens werden nur nach Freigabe eröffnet und zentral "
            "verwaltet, damit Auftritt, Rechte und Zugänge gesichert sind.",
        ),
        _multiple(
            "Welche Informationen sind vertraulich und gehören nicht in einen Post? (Mehrere Antworten möglich)",
            [
                ("Nicht veröffentlichte Quartalszahlen", True),
                ("Ein Foto mit lesbarem Whiteboard aus dem Projektmeeting", True),
                ("Details zu laufenden Vertragsverhandlungen mit einem Kunden", True),
                ("Die bereits per Pressemitteilung angekündigte Messeteilnahme", False),
            ],
            "Unveröffentlichte Zahlen, interne Unterlagen und Vertragsdetails sind vertraulich. "
            "Was offiziell veröffentlicht ist, dürfen Sie teilen.",
        ),
        _single(
            "Welche Folge kann der Verrat von Geschäftsgeheimnissen in sozialen Medien haben?",
            [
                ("Er kann eine fristlose Kündigung rechtfertigen.", True),
                ("Keine, solange der Post auf einem privaten Account erscheint.", False),
                ("Höchstens eine mündliche Ermahnung.", False),
                ("Keine, wenn die Information wahr ist.", False),
            ],
            "Der Verrat von Geschäftsgeheimnissen ist eine schwere Pflichtverletzung und kann "
            "eine Kündigung ohne Einhaltung der Kündigungsfrist rechtfertigen – egal auf welchem "
            "Account.",
        ),
        _multiple(
            "Was ist nicht von der Meinungsfreiheit gedeckt? (Mehrere Antworten möglich)",
            [
                ("Beleidigungen von Kolleginnen oder Kollegen", True),
                ("Bewusst unwahre Tatsachenbehauptungen über einen Wettbewerber", True),
                ("Drohungen", True),
                ("Sachliche, höflich formulierte Kritik an einer Branchenentwicklung", False),
            ],
            "Beleidigungen, Drohungen, Verleumdung, unwahre Tatsachenbehauptungen und "
            "Störungen des Betriebsfriedens sind nicht geschützt. Sachliche Kritik schon.",
        ),
        _single(
            "Sie posten über ein neues Produkt von {Unternehmen}. Wie legen Sie Ihr Arbeitsverhältnis offen?",
            [
                ("Im Beitrag selbst, z. B. „Ich arbeite bei {Unternehmen}“ oder #Mitarbeiter", True),
                ("Gar nicht – auf einem privaten Account ist das nicht nötig.", False),
                ("Es genügt, wenn Ihre Kolleginnen und Kollegen es wissen.", False),
            ],
            "Das Publikum muss im Beitrag erkennen, dass Sie bei {Unternehmen} arbeiten; sonst "
            "kann der Post als verdeckte Werbung gelten.",
        ),
        _multiple(
            "Ein Pressebericht kritisiert {Unternehmen}, in Ihrem Netzwerk wird diskutiert. Was tun Sie? (Mehrere Antworten möglich)",
            [
                ("Die offizielle Position aus der Content-Bibliothek teilen oder verlinken", True),
                ("Presseanfragen an {Krisenkontakt} weiterleiten", True),
                ("Eigene Erklärungen zu den Hintergründen posten, um das Unternehmen zu verteidigen", False),
                ("Alle kritischen Kommentare unter Ihren Beiträgen sofort löschen", False),
            ],
            "In der Krise gilt die abgestimmte Position aus der Content-Bibliothek. Eigene "
            "Erklärungen und Löschen in Panik verschärfen die Lage meist.",
        ),
    ],
)

SOCIAL_MEDIA_GUIDELINE_EN = _template(
    "social_media_guideline_en",
    ALL_INDUSTRIES,
    title="{Company}’s social media guideline: what applies to me?",
    kind="guidelines",
    locale="en",
    summary=(
        "The social media guideline in brief: who may say what, business secrets, company "
        "accounts, disclosure, respectful tone, limits of free speech and behaviour in a crisis."
    ),
    required=True,
    lessons=[
        _lesson(
            "Who may say what – and on whose behalf?",
            """
            {Company}’s social media guideline sets out which information may be communicated
            by whom. It does not restrict your private life; it gives you certainty when you
            talk about your work.

            ### Speaking for the company
            - Official statements, business figures, press and investor topics come only from
              the designated functions ({Communications team}).
            - Accounts, pages or groups in {Company}’s name – including for sites, products or
              teams – may only be opened with approval from {Communications team}. They are
              managed centrally so that access is not lost when people change jobs.

            ### Speaking about the company
            - As a corporate influencer you speak in your own name: about your work, your field,
              published products, events and approved content.
            - Make clear that you are expressing your personal opinion, for example in your
              profile: “Views are my own.”

            ### Private and professional
            On private accounts you decide what you post. But as soon as you recognisably write
            about {Company}, colleagues, customers or products, this guideline applies – whether
            the account is “private” or “professional”. Separate where it makes sense: holiday
            photos do not have to go on LinkedIn, and internal insights never belong on a public
            account.
            """,
        ),
        _lesson(
            "Business secrets and confidential information",
            """
            What is internal stays internal. This includes in particular:

            - unpublished figures, revenues, forecasts and prices,
            - products, studies and projects before their official launch,
            - customer, supplier and contract details,
            - internal documents, presentations, org charts and screen contents,
            - personnel matters, restructuring and negotiations.

            ### Why this is so serious
            Betraying business secrets breaches your duties under your employment contract and
            can justify **dismissal without notice**. Claims for damages may follow, and for
            listed companies there may be breaches of insider law. Accidents count too: the
            whiteboard behind the team photo, the screen in your home-office selfie, the hint
            “Big news with customer X coming soon”.

            ### Rule of thumb
            If you are not sure whether something is public, it is not public. Check whether the
            information is already on the website, in a press release or in the content library
            – or ask {Communications team} before you post.

            ### Beware of fishing
            In comments and direct messages, third parties sometimes try to extract details
            (social engineering). Politely refer them to the official contacts.
            """,
        ),
        _lesson(
            "Transparency, respectful tone and the limits of free speech",
            """
            ### Disclose your employment
            When you post about {Company}’s products, services or job openings, your audience
            must be able to see that you work there – otherwise the post may count as covert
            advertising. How to do it:
            - in the post itself: “I work at {Company} and …” or #employee,
            - and in your profile: your current position at {Company}.

            A note in your profile alone is not enough if the post on its own does not show who
            is speaking.

            ### Stay respectful
            - Stay factual, even under criticism. Thank people for feedback instead of
              justifying yourself.
            - No disparaging remarks about competitors, customers or colleagues.
            - No discrimination and no insults, not even “as a joke”.
            - Do not let yourself be provoked.

            ### Where free speech ends
            Freedom of expression protects a lot, but not everything. **Defamation, threats,
            insults and false statements of fact** are not protected, and neither are
            statements that **disturb the peace of the workplace** – such as public agitation
            against colleagues. Such posts can have consequences under employment law, up to and
            including dismissal.
            """,
        ),
        _lesson(
            "When things get critical: crisis communication",
            """
            A negative press report, a product recall, a viral complaint: in a crisis it is
            tempting to defend the company spontaneously. That is well meant, but individual,
            uncoordinated statements can make things worse.

            ### What to do
            1. **Do not react spontaneously:** no explanations, speculation or blame of your
               own.
            2. **Use the official position:** {Communications team} provides the agreed position
               in the content library. Share only that, or link to it.
            3. **Forward enquiries:** press enquiries, questions from authorities and from those
               affected go to {Crisis contact}.
            4. **Do not delete in a panic:** do not simply remove critical comments under your
               posts. Report insults or hate speech to the platform and to
               {Communications team}.
            5. **Report rather than stay silent:** if you spot something critical the team may
               not know about, let them know.

            ### A good standard reply
            “Thank you for pointing this out. As an employee I cannot comment officially –
            you can find {Company}’s current statement here: [link].”

            ### If you make a mistake
            A post gone wrong is not the end of the world. Delete or correct it transparently
            and inform {Communications team}. Acting quickly is better than hoping for the best.
            """,
        ),
    ],
    questions=[
        _single(
            "You want to open an Instagram page in {Company}’s name for your site. What is correct?",
            [
                ("Only with approval from {Communications team}; the page is managed centrally.", True),
                ("You can do so at any time, as long as you use the logo correctly.", False),
                ("It is allowed if your team lead agrees and you keep the login private.", False),
            ],
            "Accounts in the company’s name are opened only with approval and managed "
            "centrally, so that branding, rights and access stay secure.",
        ),
        _multiple(
            "Which information is confidential and does not belong in a post? (Select all that apply)",
            [
                ("Unpublished quarterly figures", True),
                ("A photo showing a readable whiteboard from the project meeting", True),
                ("Details of ongoing contract negotiations with a customer", True),
                ("The trade fair appearance already announced in a press release", False),
            ],
            "Unpublished figures, internal material and contract details are confidential. "
            "What has been officially published you may share.",
        ),
        _single(
            "What can be the consequence of betraying business secrets on social media?",
            [
                ("It can justify dismissal without notice.", True),
                ("None, as long as the post appears on a private account.", False),
                ("At most a verbal warning.", False),
                ("None, if the information is true.", False),
            ],
            "Betraying business secrets is a serious breach of duty and can justify summary "
            "dismissal – whichever account it happens on.",
        ),
        _multiple(
            "What is not protected by freedom of expression? (Select all that apply)",
            [
                ("Insulting colleagues", True),
                ("Knowingly false statements of fact about a competitor", True),
                ("Threats", True),
                ("Factual, politely worded criticism of an industry trend", False),
            ],
            "Insults, threats, defamation, false statements of fact and disturbing the peace "
            "of the workplace are not protected. Factual criticism is.",
        ),
        _single(
            "You post about a new {Company} product. How do you disclose your employment?",
            [
                ("In the post itself, e.g. “I work at {Company}” or #employee", True),
                ("Not at all – it is not necessary on a private account.", False),
                ("It is enough that your colleagues know.", False),
            ],
            "The audience must be able to see from the post that you work at {Company}; "
            "otherwise it may count as covert advertising.",
        ),
        _multiple(
            "A press report criticises {Company} and your network is discussing it. What do you do? (Select all that apply)",
            [
                ("Share or link the official position from the content library", True),
                ("Forward press enquiries to {Crisis contact}", True),
                ("Post your own explanation of the background to defend the company", False),
                ("Immediately delete all critical comments under your posts", False),
            ],
            "In a crisis the agreed position from the content library applies. Your own "
            "explanations and panicked deleting usually make things worse.",
        ),
    ],
)


# ============================================================================================
# 3. Healthcare advertising rules (Heilmittelwerbegesetz) – healthcare, MedTech, pharma only
# ============================================================================================

HEALTHCARE_ADVERTISING_RULES_DE = _template(
    "healthcare_advertising_rules_de",
    HEALTH_INDUSTRIES,
    title="Heilmittelwerbegesetz: sicher kommunizieren im Gesundheitswesen",
    kind="compliance",
    locale="de",
    summary=(
        "Die Grundregeln des Heilmittelwerbegesetzes (HWG) für Social Media: keine "
        "Heilversprechen, keine Angstwerbung, keine Publikumswerbung für verschreibungspflichtige "
        "Arzneimittel, keine individuelle Beratung online, Schweigepflicht – und welche Themen "
        "gut funktionieren."
    ),
    required=True,
    lessons=[
        _lesson(
            "Warum das HWG auch für Ihre Posts gilt",
            """
            Das Heilmittelwerbegesetz (HWG) regelt die Werbung für Arzneimittel, Medizinprodukte
            sowie für Verfahren und Behandlungen, die sich auf Krankheiten oder Beschwerden
            beziehen. Es schützt Patientinnen und Patienten vor irreführender und unsachlicher
            Beeinflussung – denn bei Gesundheit geht es um Entscheidungen mit Folgen.

            ### Warum betrifft das Sie?
            Wenn Sie als Mitarbeitende von {Unternehmen} über Produkte, Therapien oder Leistungen
            Ihres Arbeitgebers posten, kann das als Werbung des Unternehmens gelten – auch auf
            Ihrem privaten Account. Entscheidend ist nicht, wo Sie posten, sondern ob der Beitrag
            den Absatz oder die Inanspruchnahme fördern kann.

            ### Die wichtigste Unterscheidung
            - **Fachkreise** (z. B. Ärztinnen und Ärzte, Apothekerinnen und Apotheker und andere
              Angehörige der Heilberufe) dürfen umfassender informiert werden.
            - **Publikum** sind alle anderen – und Social Media ist fast immer Publikum. Hier
              gelten strenge Grenzen.

            ### Was Sie tun können
            - Produktbezogene Inhalte nur aus der Content-Bibliothek teilen; sie sind von
              {Regulatory Affairs} geprüft.
            - Freigegebene Produktaussagen nicht inhaltlich verändern – einen persönlichen
              Einstieg dürfen Sie ergänzen.
            - Im Zweifel vor dem Posten {Regulatory Affairs} fragen.

            Die folgenden Lektionen zeigen die wichtigsten Verbote und, genauso wichtig, was
            ausdrücklich gut funktioniert.
            """,
        ),
        _lesson(
            "Die roten Linien: Was nicht gesagt werden darf",
            """
            ### 1. Keine Heilversprechen und keine Erfolgsgarantien
            „Mit unserem Implantat sind Sie in zwei Wochen schmerzfrei.“ Solche Aussagen sind
            irreführend, weil kein Behandlungserfolg sicher ist. Besser: sachlich beschreiben,
            wofür ein Produkt gedacht ist, und auf Fachinformation oder ärztliches Gespräch
            verweisen.

            ### 2. Keine Behauptung „ohne Nebenwirkungen“
            „Rein pflanzlich, völlig nebenwirkungsfrei“ ist ebenfalls unzulässig. Jede wirksame
            Behandlung kann Risiken haben.

            ### 3. Keine Angstwerbung
            Beiträge, die Angst auslösen oder nahelegen, dass die Gesundheit leidet, wenn man ein
            bestimmtes Mittel nicht verwendet („Wer jetzt nicht handelt, riskiert …“), sind
            gegenüber dem Publikum verboten.

            ### 4. Keine Publikumswerbung für verschreibungspflichtige Arzneimittel
            Für verschreibungspflichtige Arzneimittel darf nur gegenüber Fachkreisen geworben
            werden. In Social Media heißt das: keine verschreibungspflichtigen Präparate in
            werblichem Zusammenhang, keine eigenen Erfahrungsberichte dazu, kein Teilen von
            Material, das für Fachkreise bestimmt ist.

            ### Weitere Stolpersteine
            - Vorher-nachher-Bilder, Dankesschreiben und Patientengeschichten mit Produktbezug
              sind heikel und nur nach Prüfung erlaubt.
            - Gewinnspiele oder Geschenke mit Bezug zu Arzneimitteln oder Medizinprodukten: nie
              ohne Freigabe.
            - Wer fremde Beiträge mit solchen Aussagen zustimmend teilt, macht sie sich unter
              Umständen zu eigen.
            """,
        ),
        _lesson(
            "Keine Beratung online, Schweigepflicht und Patientendaten",
            """
            ### Keine individuelle medizinische Beratung in Social Media
            „Meine Mutter hat seit Tagen Schmerzen nach der OP – ist das normal?“ Solche Fragen
            sind verständlich, doch eine Ferneinschätzung in Kommentaren oder Direktnachrichten
            ist weder sicher noch haftungsrechtlich vertretbar: Es fehlen Befunde, Vorgeschichte
            und Untersuchung. Antworten Sie freundlich und verweisen Sie auf den richtigen Weg:

            > „Danke für Ihr Vertrauen. Individuelle Fragen kann ich hier leider nicht
            > beantworten. Bitte wenden Sie sich an Ihre behandelnde Ärztin oder Ihren
            > behandelnden Arzt oder an unsere Sprechstunde: {Kontakt Sprechstunde}. Außerhalb
            > der Sprechzeiten hilft der ärztliche Bereitschaftsdienst (116 117), im Notfall 112.“

            ### Schweigepflicht gilt auch online
            Ärztliche Schweigepflicht und Vertraulichkeit enden nicht am Bildschirm. Schon die
            Tatsache, dass jemand behandelt wird, ist geschützt. Bestätigen Sie das nie – auch
            nicht, wenn die Person selbst öffentlich kommentiert.

            ### Patientendaten werden nie gepostet
            Keine Namen, Initialen, Fotos, Röntgenbilder, Befunde oder Fallbeschreibungen, durch
            die jemand erkennbar sein könnte – auch nicht „anonymisiert“ mit Alter, Ort und
            seltener Diagnose. Keine Bilder aus Patientenzimmern, OP-Sälen oder Wartebereichen,
            auf denen Menschen, Namensschilder, Akten oder Monitore zu sehen sind.

            ### Hinweise auf Nebenwirkungen oder Vorkommnisse
            Berichtet jemand von einer möglichen Nebenwirkung oder einem Problem mit einem
            Produkt von {Unternehmen}, leiten Sie den Hinweis umgehend an {Vigilanz-Kontakt}
            weiter und geben öffentlich keine medizinische Bewertung ab.
            """,
        ),
        _lesson(
            "Was gut funktioniert: Themen mit Mehrwert",
            """
            Das HWG verbietet nicht, über Gesundheit zu sprechen – es verbietet unsachliche
            Werbung. Viele Inhalte sind ausdrücklich erwünscht.

            ### Saisonale Gesundheitsinformation
            - **Grippeschutzimpfung im Herbst:** wem die Ständige Impfkommission (STIKO) sie
              empfiehlt, wann ein guter Zeitpunkt ist, wo man sich impfen lassen kann – sachlich
              und ohne Angst zu schüren.
            - **E-Rezept:** wie es funktioniert – mit der Gesundheitskarte in der Apotheke, per
              App oder als Ausdruck. Praktische Erklärungen helfen vielen Menschen.
            - Hitze, Heuschnupfen, Sonnenschutz, Vorsorge: allgemeine, gut belegte Information.

            ### Einblicke in Arbeit und Menschen
            - Der Alltag in Pflege, Labor, Produktion oder Außendienst – ohne Patientinnen,
              Patienten oder vertrauliche Informationen.
            - Ausbildung, Karriere und Stellenangebote: Kurze, authentische Videos aus dem Team
              überzeugen Bewerberinnen und Bewerber.
            - Fortbildungen, Kongresse, Auszeichnungen und ehrenamtliches Engagement.

            ### Checkliste vor dem Posten
            1. Verspricht der Beitrag Heilung oder einen sicheren Erfolg?
            2. Verharmlost er Risiken oder schürt er Angst?
            3. Erwähnt er ein verschreibungspflichtiges Arzneimittel werblich?
            4. Ist eine Person, etwa ein Patient oder eine Patientin, erkennbar?
            5. Ist die Aussage freigegeben oder allgemein belegt?

            Einmal „ja“ bei 1–4 oder „nein“ bei 5: nicht posten, sondern {Regulatory Affairs}
            fragen.
            """,
        ),
    ],
    questions=[
        _multiple(
            "Welche Aussagen verstoßen gegen die Grundregeln des HWG? (Mehrere Antworten möglich)",
            [
                ("„Mit dieser Therapie werden Sie garantiert wieder gesund.“", True),
                ("„Völlig ohne Nebenwirkungen – rein natürlich.“", True),
                ("„Wer sein Herz nicht jetzt mit unserem Präparat schützt, riskiert einen Infarkt.“", True),
                ("„Ab Oktober bieten wir die Grippeschutzimpfung für unsere Beschäftigten an.“", False),
            ],
            "Heil- und Erfolgsversprechen, die Behauptung fehlender Nebenwirkungen und "
            "Angstwerbung sind unzulässig. Sachliche Hinweise zur Grippeimpfung sind in Ordnung.",
        ),
        _single(
            "Dürfen Sie auf Instagram für ein verschreibungspflichtiges Arzneimittel von {Unternehmen} werben?",
            [
                ("Nein, dafür darf nur gegenüber Fachkreisen geworben werden.", True),
                ("Ja, wenn Sie den Hashtag #Mitarbeiter verwenden.", False),
                ("Ja, auf einem privaten Account gilt das HWG nicht.", False),
            ],
            "Publikumswerbung für verschreibungspflichtige Arzneimittel ist verboten. Auch "
            "Kennzeichnung oder ein privater Account ändern daran nichts.",
        ),
        _single(
            "Unter Ihrem Post fragt jemand, ob er seine Tabletten nach einer OP absetzen darf. Was tun Sie?",
            [
                ("Freundlich an die behandelnde Ärztin, den behandelnden Arzt oder die Sprechstunde verweisen", True),
                ("Per Direktnachricht eine kurze Einschätzung geben, damit es niemand sonst sieht", False),
                ("Die passende Stelle aus dem Beipackzettel abfotografieren und kommentieren", False),
                ("Eine allgemeine Empfehlung kommentieren, die für die meisten Fälle passt", False),
            ],
            "Individuelle medizinische Beratung gehört nicht in Social Media, auch nicht per "
            "Direktnachricht. Verweisen Sie auf Ärztin, Arzt oder Sprechstunde.",
        ),
        _multiple(
            "Welche Inhalte dürfen nicht gepostet werden? (Mehrere Antworten möglich)",
            [
                ("Ein Foto vom Stationsflur, auf dem ein Namensschild an einer Patientenzimmertür lesbar ist", True),
                ("Eine „anonymisierte“ Fallgeschichte mit Alter, Wohnort und seltener Diagnose", True),
                ("Eine Antwort an einen Patienten, die bestätigt, dass er bei {Unternehmen} behandelt wird", True),
                ("Eine sachliche Erklärung, wie man das E-Rezept in der Apotheke einlöst", False),
            ],
            "Patientendaten und schon die Tatsache einer Behandlung sind geschützt. Auch "
            "Kombinationen scheinbar harmloser Angaben machen Menschen erkennbar.",
        ),
        _single(
            "Jemand kommentiert, nach der Anwendung eines Produkts von {Unternehmen} einen Hautausschlag bekommen zu haben. Was ist richtig?",
            [
                (
                    "Den Hinweis umgehend an {Vigilanz-Kontakt} weiterleiten und öffentlich nichts medizinisch bewerten",
                    True,
                ),
                ("Antworten, dass das Produkt nachweislich keine Nebenwirkungen hat", False),
                ("Den Kommentar löschen, damit andere nicht verunsichert werden", False),
            ],
            "Hinweise auf mögliche Nebenwirkungen oder Vorkommnisse müssen intern schnell "
            "weitergeleitet werden. Löschen oder Abstreiten ist falsch.",
        ),
        _multiple(
            "Welche Themen eignen sich gut für Ihre Beiträge? (Mehrere Antworten möglich)",
            [
                ("Sachliche Informationen zur Grippeschutzimpfung im Herbst", True),
                ("Eine Erklärung, wie das E-Rezept funktioniert", True),
                ("Einblicke in den Ausbildungsalltag, ohne Patientinnen und Patienten zu zeigen", True),
                (
                    "Ein Erfahrungsbericht, wie gut Ihnen ein verschreibungspflichtiges Präparat Ihres Arbeitgebers geholfen hat",
                    False,
                ),
            ],
            "Saisonale Information, praktische Erklärungen und Einblicke in die Arbeit sind "
            "gute Inhalte. Erfahrungsberichte zu verschreibungspflichtigen Präparaten sind tabu.",
        ),
    ],
)

HEALTHCARE_ADVERTISING_RULES_EN = _template(
    "healthcare_advertising_rules_en",
    HEALTH_INDUSTRIES,
    title="Healthcare advertising rules (HWG): communicating safely in healthcare",
    kind="compliance",
    locale="en",
    summary=(
        "The basics of Germany’s Heilmittelwerbegesetz (HWG, healthcare advertising act) for "
        "social media: no promises of cure, no fear advertising, no advertising of "
        "prescription-only medicines to the public, no individual advice online, "
        "confidentiality – and which topics work well."
    ),
    required=True,
    lessons=[
        _lesson(
            "Why the HWG applies to your posts too",
            """
            Germany’s Heilmittelwerbegesetz (HWG) governs advertising for medicines, medical
            devices and for procedures and treatments that relate to diseases or complaints. It
            protects patients from misleading and unobjective influence – because health is
            about decisions with consequences.

            ### Why does it concern you?
            When you, as an employee of {Company}, post about your employer’s products,
            therapies or services, this can count as advertising by the company – even on your
            private account. What matters is not where you post, but whether the post can
            promote sales or use.

            ### The key distinction
            - **Healthcare professionals** (e.g. doctors, pharmacists and other members of the
              health professions) may be informed more comprehensively.
            - **The public** is everyone else – and social media is almost always the public.
              Strict limits apply here.

            ### What you can do
            - Share product-related content only from the content library; it has been reviewed
              by {Regulatory Affairs}.
            - Do not change the substance of approved product statements – you may add a
              personal opening.
            - If in doubt, ask {Regulatory Affairs} before posting.

            The following lessons show the most important prohibitions and, just as important,
            what works well.
            """,
        ),
        _lesson(
            "The red lines: what must not be said",
            """
            ### 1. No promises of cure and no guaranteed success
            “With our implant you will be pain-free in two weeks.” Statements like this are
            misleading because no treatment outcome is certain. Better: describe factually what
            a product is intended for and refer to the product information or a conversation
            with a doctor.

            ### 2. No claims of “no side effects”
            “Purely herbal, completely free of side effects” is not allowed either. Every
            effective treatment can carry risks.

            ### 3. No fear advertising
            Posts that cause fear or suggest that health will suffer if a particular product is
            not used (“If you don’t act now, you risk …”) are prohibited towards the public.

            ### 4. No advertising of prescription-only medicines to the public
            Prescription-only medicines may only be advertised to healthcare professionals. On
            social media this means: no prescription-only products in a promotional context, no
            personal testimonials about them, no sharing of material intended for professionals.

            ### More pitfalls
            - Before-and-after pictures, thank-you letters and patient stories linked to a
              product are sensitive and only allowed after review.
            - Competitions or gifts related to medicines or medical devices: never without
              approval.
            - If you approvingly share other people’s posts containing such claims, you may be
              treated as adopting them.
            """,
        ),
        _lesson(
            "No advice online, confidentiality and patient data",
            """
            ### No individual medical advice on social media
            “My mother has been in pain for days after her operation – is that normal?” Such
            questions are understandable, but a remote assessment in comments or direct
            messages is neither safe nor defensible in terms of liability: findings, history and
            examination are missing. Reply kindly and point to the right place:

            > “Thank you for your trust. Unfortunately I cannot answer individual questions here.
            > Please contact your doctor or our consultation hours: {Consultation contact}.
            > Outside consultation hours, the on-call medical service (116 117) can help; in an
            > emergency call 112.”

            ### Confidentiality applies online too
            Medical confidentiality does not end at the screen. Even the fact that someone is
            being treated is protected. Never confirm it – not even if the person comments
            publicly themselves.

            ### Patient data is never posted
            No names, initials, photos, X-rays, findings or case descriptions that could make
            someone identifiable – not even “anonymised” with age, town and a rare diagnosis. No
            pictures from patient rooms, operating theatres or waiting areas that show people,
            name tags, files or monitors.

            ### Reports of side effects or incidents
            If someone reports a possible side effect or a problem with a {Company} product,
            forward it immediately to {Vigilance contact} and do not give any medical assessment
            in public.
            """,
        ),
        _lesson(
            "What works well: topics with real value",
            """
            The HWG does not forbid talking about health – it forbids unobjective advertising.
            Plenty of content is explicitly welcome.

            ### Seasonal health information
            - **Flu vaccination in autumn:** who the Standing Committee on Vaccination (STIKO)
              recommends it for, when is a good time, where to get vaccinated – factual and
              without spreading fear.
            - **E-prescription:** how it works – with the health insurance card at the pharmacy,
              via the app or as a printout. Practical explanations help many people.
            - Heat, hay fever, sun protection, check-ups: general, well-established information.

            ### Insights into work and people
            - Everyday life in nursing, the lab, production or field service – without patients
              or confidential information.
            - Training, careers and job openings: short, authentic videos from the team win over
              applicants.
            - Continuing education, congresses, awards and volunteering.

            ### Checklist before posting
            1. Does the post promise a cure or certain success?
            2. Does it play down risks or spread fear?
            3. Does it mention a prescription-only medicine in a promotional way?
            4. Is a person, such as a patient, identifiable?
            5. Is the statement approved or generally well established?

            One “yes” to 1–4 or a “no” to 5: do not post – ask {Regulatory Affairs}.
            """,
        ),
    ],
    questions=[
        _multiple(
            "Which statements break the basic rules of the HWG? (Select all that apply)",
            [
                ("“This therapy is guaranteed to make you healthy again.”", True),
                ("“Completely free of side effects – purely natural.”", True),
                ("“If you don’t protect your heart with our product now, you risk a heart attack.”", True),
                ("“From October we offer flu vaccinations for our employees.”", False),
            ],
            "Promises of cure or success, claims of no side effects and fear advertising are "
            "not allowed. Factual information about flu vaccination is fine.",
        ),
        _single(
            "May you advertise a prescription-only medicine made by {Company} on Instagram?",
            [
                ("No, it may only be advertised to healthcare professionals.", True),
                ("Yes, if you use the hashtag #employee.", False),
                ("Yes, the HWG does not apply to private accounts.", False),
            ],
            "Advertising prescription-only medicines to the public is prohibited. Disclosure "
            "or a private account does not change that.",
        ),
        _single(
            "Someone asks under your post whether they may stop taking their tablets after an operation. What do you do?",
            [
                ("Kindly refer them to their doctor or the consultation hours", True),
                ("Give a short assessment by direct message so nobody else sees it", False),
                ("Photograph the relevant passage of the package leaflet and comment with it", False),
                ("Comment with a general recommendation that fits most cases", False),
            ],
            "Individual medical advice does not belong on social media, not even by direct "
            "message. Refer them to a doctor or the consultation hours.",
        ),
        _multiple(
            "Which content must not be posted? (Select all that apply)",
            [
                ("A photo of the ward corridor with a readable name tag on a patient room door", True),
                ("An “anonymised” case story with age, town and a rare diagnosis", True),
                ("A reply to a patient confirming that he is being treated at {Company}", True),
                ("A factual explanation of how to redeem an e-prescription at the pharmacy", False),
            ],
            "Patient data, and even the fact of treatment, are protected. Combinations of "
            "seemingly harmless details can make people identifiable.",
        ),
        _single(
            "Someone comments that they developed a rash after using a {Company} product. What is correct?",
            [
                ("Forward it immediately to {Vigilance contact} and make no medical assessment in public", True),
                ("Reply that the product has been proven to have no side effects", False),
                ("Delete the comment so that others are not unsettled", False),
            ],
            "Reports of possible side effects or incidents must be forwarded internally and "
            "quickly. Deleting or denying is wrong.",
        ),
        _multiple(
            "Which topics are good for your posts? (Select all that apply)",
            [
                ("Factual information about flu vaccination in autumn", True),
                ("An explanation of how the e-prescription works", True),
                ("Insights into everyday training life without showing patients", True),
                ("A testimonial about how well a prescription-only product from your employer helped you", False),
            ],
            "Seasonal information, practical explanations and insights into work are good "
            "content. Testimonials about prescription-only products are off limits.",
        ),
    ],
)


# ============================================================================================
# 4. Data protection basics (GDPR / DSGVO)
# ============================================================================================

DATA_PROTECTION_BASICS_DE = _template(
    "data_protection_basics_de",
    ALL_INDUSTRIES,
    title="Datenschutz beim Posten: die DSGVO-Grundlagen",
    kind="compliance",
    locale="de",
    summary=(
        "Was die DSGVO für Ihre Beiträge bedeutet: personenbezogene Daten, Einwilligung bei "
        "Fotos, keine Screenshots interner Systeme, Standortdaten – und was zu tun ist, wenn "
        "doch etwas schiefgeht."
    ),
    required=True,
    lessons=[
        _lesson(
            "Personenbezogene Daten: Was ist das – und warum zählt es?",
            """
            Personenbezogene Daten sind alle Informationen, die sich auf eine identifizierte oder
            identifizierbare Person beziehen: Name, Foto, Stimme, E-Mail-Adresse, Kfz-Kennzeichen
            – aber auch Kombinationen wie „die neue Teamleiterin im Einkauf in Bremen“. Die
            Datenschutz-Grundverordnung (DSGVO) schützt diese Daten, auch wenn Sie im
            Zusammenhang mit Ihrer Arbeit bei {Unternehmen} posten.

            ### Die Grundregel
            Veröffentlichen Sie keine personenbezogenen Daten von Kolleginnen und Kollegen,
            Kundinnen und Kunden, Patientinnen und Patienten oder Geschäftspartnern ohne deren
            Einwilligung. Das gilt für Namen, Markierungen, Fotos, Zitate und Geschichten.

            ### Besonders sensibel
            Gesundheitsdaten, religiöse oder politische Überzeugungen, Gewerkschaftszugehörigkeit,
            sexuelle Orientierung und ethnische Herkunft sind besonders geschützt (Art. 9 DSGVO).
            „Gute Besserung an unseren Kollegen Max nach seinem Bandscheibenvorfall!“ ist nett
            gemeint, verrät aber Gesundheitsdaten.

            ### Gut zu wissen
            - Was einmal im Netz ist, lässt sich kaum zurückholen – Screenshots und
              Weiterleitungen bleiben.
            - Auch in geschlossenen Gruppen mit vielen Mitgliedern kann sich alles
              weiterverbreiten.
            - Informationen über sich selbst dürfen Sie frei teilen, über andere nur mit deren
              Zustimmung.
            """,
        ),
        _lesson(
            "Fotos und Videos: Einwilligung zuerst",
            """
            Wer auf einem Foto oder Video erkennbar ist, muss vor der Veröffentlichung in der
            Regel zustimmen. Das Recht am eigenen Bild gilt auch für das Teamfoto vom Sommerfest
            und das kurze Video aus dem Büro.

            ### So holen Sie die Einwilligung richtig ein
            - **Vorher fragen**, nicht hinterher: „Ist es in Ordnung, wenn ich das Foto auf
              LinkedIn poste?“
            - **Konkret sein:** welches Bild, welche Plattform, mit oder ohne Namen und
              Markierung.
            - **Freiwillig** muss sie sein: Niemand darf sich unter Druck gesetzt fühlen – gerade
              Mitarbeitende gegenüber Vorgesetzten.
            - **Widerrufbar** ist sie jederzeit. Bittet jemand darum, löschen Sie das Bild.
            - Bei Kundinnen, Kunden, Patientinnen und Patienten ist immer eine schriftliche
              Einwilligung über {Kommunikationsabteilung} nötig; für Veranstaltungen stellt
              {Unternehmen} Formulare bereit.

            ### Auf den Hintergrund achten
            Prüfen Sie vor dem Posten das ganze Bild: Personen im Hintergrund, Namensschilder,
            Dokumente auf dem Tisch, Bildschirme, Whiteboards, Kennzeichen.

            ### Kinder
            Fotos von Kindern, etwa beim Familientag, nur mit Einwilligung der Eltern – und auch
            dann zurückhaltend.
            """,
        ),
        _lesson(
            "Screenshots, Bildschirme und Standortdaten",
            """
            ### Keine Screenshots interner Systeme
            Ein Screenshot aus CRM, Ticketsystem, Intranet, Chat oder Patientenakte enthält fast
            immer personenbezogene Daten und oft Geschäftsgeheimnisse – auch wenn Sie nur das
            schöne neue Dashboard zeigen wollten. Deshalb gilt: keine Screenshots oder Fotos
            interner Systeme, auch nicht teilweise geschwärzt. Schwärzungen werden leicht
            übersehen oder lassen sich rückgängig machen. Für Produktbilder nutzen Sie
            freigegebene Darstellungen aus der Content-Bibliothek.

            ### Videokonferenzen
            Screenshots von Videocalls zeigen Gesichter und Namen aller Teilnehmenden. Nur mit
            Zustimmung aller – und nie bei vertraulichen Besprechungen.

            ### Standortdaten
            Viele Apps speichern automatisch, wo ein Foto entstanden ist, oder schlagen einen Ort
            vor. Das kann mehr verraten, als Sie denken:
            - Ihre Wohnadresse oder die Ihrer Kolleginnen und Kollegen,
            - Kundenbesuche, aus denen sich Geschäftsbeziehungen ableiten lassen,
            - Sicherheitsbereiche, Labore oder Rechenzentren,
            - Orte wie Kliniken oder Beratungsstellen, die Rückschlüsse auf die Gesundheit
              zulassen.

            ### Praxistipps
            - Ortungsdienste für die Kamera deaktivieren oder den Standort vor dem Posten
              entfernen.
            - Lieber im Nachhinein posten als live „Ich bin gerade bei …“.
            - Dienstreisen und Abwesenheiten nicht in Echtzeit ankündigen.
            """,
        ),
        _lesson(
            "Wenn doch etwas schiefgeht",
            """
            Fehler passieren. Entscheidend ist, schnell und offen zu reagieren – nicht, den Fehler
            zu verstecken.

            ### Sofort handeln
            1. **Löschen:** Entfernen Sie den Beitrag, das Foto oder den Kommentar auf allen
               Plattformen, auf denen Sie ihn geteilt haben, einschließlich Stories und
               Cross-Posts.
            2. **Melden:** Informieren Sie unverzüglich die oder den Datenschutzbeauftragten von
               {Unternehmen} ({Datenschutz-Kontakt}). Schildern Sie, was veröffentlicht wurde,
               wann, wo und wie lange es sichtbar war.
            3. **Dokumentieren:** Sichern Sie vor dem Löschen möglichst einen Screenshot für die
               interne Aufklärung und geben Sie ihn nur an die Datenschutzstelle weiter.
            4. **Nicht allein klären:** Kontaktieren Sie Betroffene nicht eigenmächtig; das
               übernimmt die Datenschutzstelle gemeinsam mit Ihnen.

            ### Warum die Eile?
            Eine Datenschutzverletzung muss das Unternehmen unter Umständen innerhalb von 72
            Stunden der zuständigen Aufsichtsbehörde melden (Art. 33 DSGVO). Die Frist läuft ab
            dem Moment, in dem das Unternehmen davon erfährt – jede Stunde zählt.

            ### Keine Angst vor dem Melden
            Wer einen eigenen Fehler meldet, hilft dem Unternehmen und den Betroffenen.
            Verschweigen ist das eigentliche Risiko. Entdecken Sie einen problematischen Beitrag
            einer Kollegin oder eines Kollegen, sprechen Sie die Person freundlich an oder wenden
            Sie sich an die Datenschutzstelle.
            """,
        ),
    ],
    questions=[
        _single(
            "Sie möchten ein Foto vom Teammeeting posten, auf dem drei Kolleginnen und Kollegen erkennbar sind. Was ist nötig?",
            [
                ("Vorher die Einwilligung aller erkennbaren Personen einholen", True),
                ("Nichts, Teamfotos bei dienstlichen Anlässen sind immer erlaubt", False),
                ("Es genügt, die Personen nach dem Posten zu informieren", False),
                ("Die Zustimmung der Führungskraft reicht aus", False),
            ],
            "Erkennbare Personen müssen vorher und freiwillig zustimmen. Die Führungskraft kann "
            "nicht für andere einwilligen.",
        ),
        _multiple(
            "Welche Angaben sind personenbezogene Daten? (Mehrere Antworten möglich)",
            [
                ("Ein Foto, auf dem eine Kundin erkennbar ist", True),
                ("„Die neue Teamleiterin im Einkauf in Bremen“", True),
                ("Ein lesbares Kfz-Kennzeichen auf dem Firmenparkplatz", True),
                ("Die Gesamtzahl der Beschäftigten laut Geschäftsbericht", False),
            ],
            "Personenbezogen ist alles, was eine Person identifizierbar macht – auch "
            "Kombinationen von Angaben. Eine Gesamtzahl betrifft niemanden persönlich.",
        ),
        _single(
            "Sie wollen das neue Dashboard Ihres CRM-Systems zeigen. Wie gehen Sie vor?",
            [
                ("Eine freigegebene Produktdarstellung aus der Content-Bibliothek verwenden", True),
                ("Einen Screenshot posten und vorher die Kundennamen schwärzen", False),
                ("Den Bildschirm mit dem Handy abfotografieren, denn ein Foto ist kein Screenshot", False),
            ],
            "Interne Systeme werden nicht abgebildet, auch nicht geschwärzt oder abfotografiert. "
            "Freigegebene Darstellungen sind der sichere Weg.",
        ),
        _multiple(
            "Warum sind Standortangaben in Posts heikel? (Mehrere Antworten möglich)",
            [
                ("Sie können Wohnadressen oder Abwesenheiten verraten.", True),
                ("Sie können Kundenbeziehungen offenlegen.", True),
                ("Sie können Rückschlüsse auf die Gesundheit zulassen, etwa bei einer Klinik.", True),
                ("Sie sind nur auf Instagram technisch möglich und daher selten.", False),
            ],
            "Standortdaten verraten Wohnorte, Abwesenheiten, Geschäftsbeziehungen und "
            "sensible Besuche – auf fast allen Plattformen.",
        ),
        _multiple(
            "Sie bemerken, dass auf Ihrem geposteten Foto eine Patienten- oder Kundenliste lesbar ist. Was tun Sie? (Mehrere Antworten möglich)",
            [
                ("Den Beitrag auf allen Plattformen löschen", True),
                ("Unverzüglich die oder den Datenschutzbeauftragten informieren", True),
                ("Abwarten, ob sich jemand beschwert", False),
                ("Die Betroffenen selbst anschreiben und um Verständnis bitten", False),
            ],
            "Löschen und sofort melden. Die Datenschutzstelle prüft Meldepflichten und "
            "übernimmt die Kommunikation mit Betroffenen.",
        ),
        _single(
            "Innerhalb welcher Frist muss ein Unternehmen eine meldepflichtige Datenschutzverletzung der Aufsichtsbehörde melden?",
            [
                ("Innerhalb von 72 Stunden, nachdem sie ihm bekannt wurde", True),
                ("Innerhalb von 30 Tagen", False),
                ("Innerhalb eines Jahres", False),
                ("Gar nicht, wenn der Beitrag gelöscht wurde", False),
            ],
            "Art. 33 DSGVO sieht 72 Stunden vor. Deshalb ist Ihre schnelle Meldung an die "
            "Datenschutzstelle so wichtig; Löschen allein ersetzt sie nicht.",
        ),
    ],
)

DATA_PROTECTION_BASICS_EN = _template(
    "data_protection_basics_en",
    ALL_INDUSTRIES,
    title="Data protection when posting: GDPR basics",
    kind="compliance",
    locale="en",
    summary=(
        "What the GDPR means for your posts: personal data, consent for photos, no screenshots "
        "of internal systems, location data – and what to do if something goes wrong."
    ),
    required=True,
    lessons=[
        _lesson(
            "Personal data: what it is and why it matters",
            """
            Personal data is any information relating to an identified or identifiable person:
            name, photo, voice, email address, car number plate – but also combinations such as
            “the new head of purchasing in Bremen”. The General Data Protection Regulation
            (GDPR) protects this data, including when you post in connection with your work at
            {Company}.

            ### The basic rule
            Do not publish personal data of colleagues, customers, patients or business partners
            without their consent. This applies to names, tags, photos, quotes and stories.

            ### Especially sensitive
            Health data, religious or political beliefs, trade union membership, sexual
            orientation and ethnic origin enjoy special protection (Art. 9 GDPR). “Get well soon
            to our colleague Max after his slipped disc!” is kindly meant but reveals health
            data.

            ### Good to know
            - Once something is online, it can hardly be taken back – screenshots and shares
              remain.
            - Even in closed groups with many members, anything can spread further.
            - You may freely share information about yourself; about others only with their
              consent.
            """,
        ),
        _lesson(
            "Photos and videos: consent first",
            """
            Anyone recognisable in a photo or video generally has to agree before it is
            published. The right to one’s own image also applies to the team photo from the
            summer party and the short video from the office.

            ### How to obtain consent properly
            - **Ask beforehand**, not afterwards: “Is it okay if I post this photo on LinkedIn?”
            - **Be specific:** which picture, which platform, with or without name and tag.
            - **Voluntary:** nobody may feel pressured – especially employees asked by their
              managers.
            - **Revocable** at any time: if someone asks, delete the picture.
            - For customers and patients, written consent via {Communications team} is always
              required; {Company} provides forms for events.

            ### Check the background
            Before posting, look at the whole picture: people in the background, name badges,
            documents on the desk, screens, whiteboards, number plates.

            ### Children
            Photos of children, for instance at a family day, only with their parents’ consent –
            and even then with restraint.
            """,
        ),
        _lesson(
            "Screenshots, screens and location data",
            """
            ### No screenshots of internal systems
            A screenshot from the CRM, ticket system, intranet, chat or patient record almost
            always contains personal data and often business secrets – even if you only wanted
            to show off the nice new dashboard. So: no screenshots or photos of internal
            systems, not even partially blacked out. Redactions are easily missed or can be
            reversed. For product images, use approved visuals from the content library.

            ### Video calls
            Screenshots of video calls show the faces and names of everyone taking part. Only
            with everyone’s consent – and never from confidential meetings.

            ### Location data
            Many apps automatically store where a photo was taken or suggest a location. This
            can reveal more than you think:
            - your home address or your colleagues’,
            - customer visits that reveal business relationships,
            - security areas, labs or data centres,
            - places such as clinics or counselling centres that allow conclusions about health.

            ### Practical tips
            - Turn off location services for the camera or remove the location before posting.
            - Post afterwards rather than live “I’m at … right now”.
            - Do not announce business trips and absences in real time.
            """,
        ),
        _lesson(
            "If something goes wrong",
            """
            Mistakes happen. What matters is reacting quickly and openly – not hiding the
            mistake.

            ### Act immediately
            1. **Delete:** remove the post, photo or comment on every platform where you shared
               it, including stories and cross-posts.
            2. **Report:** inform {Company}’s data protection officer without delay
               ({Data protection contact}). Describe what was published, when, where and how long it
               was visible.
            3. **Document:** if possible, save a screenshot before deleting for the internal
               investigation, and pass it on only to the data protection team.
            4. **Do not handle it alone:** do not contact the people affected on your own; the
               data protection team will do that together with you.

            ### Why the hurry?
            The company may have to notify the competent supervisory authority of a personal
            data breach within 72 hours (Art. 33 GDPR). The clock starts when the company
            becomes aware of it – every hour counts.

            ### Do not be afraid to report
            Reporting your own mistake helps the company and the people affected. Staying silent
            is the real risk. If you spot a problematic post by a colleague, speak to them
            kindly or contact the data protection team.
            """,
        ),
    ],
    questions=[
        _single(
            "You want to post a photo from a team meeting in which three colleagues are recognisable. What is needed?",
            [
                ("Consent from every recognisable person beforehand", True),
                ("Nothing, team photos at work events are always allowed", False),
                ("It is enough to inform them after posting", False),
                ("Your manager’s approval is sufficient", False),
            ],
            "Recognisable people must agree beforehand and voluntarily. A manager cannot consent on behalf of others.",
        ),
        _multiple(
            "Which of these are personal data? (Select all that apply)",
            [
                ("A photo in which a customer is recognisable", True),
                ("“The new head of purchasing in Bremen”", True),
                ("A readable number plate in the company car park", True),
                ("The total headcount stated in the annual report", False),
            ],
            "Personal data is anything that makes a person identifiable – including "
            "combinations of details. A total figure concerns nobody personally.",
        ),
        _single(
            "You want to show the new dashboard of your CRM system. How do you go about it?",
            [
                ("Use an approved product visual from the content library", True),
                ("Post a screenshot after blacking out the customer names", False),
                ("Photograph the screen with your phone, since a photo is not a screenshot", False),
            ],
            "Internal systems are not shown, neither redacted nor photographed. Approved visuals are the safe way.",
        ),
        _multiple(
            "Why is location information in posts risky? (Select all that apply)",
            [
                ("It can reveal home addresses or absences.", True),
                ("It can disclose customer relationships.", True),
                ("It can allow conclusions about health, for example at a clinic.", True),
                ("It is only technically possible on Instagram and therefore rare.", False),
            ],
            "Location data reveals homes, absences, business relationships and sensitive "
            "visits – on almost every platform.",
        ),
        _multiple(
            "You notice that a patient or customer list is readable in a photo you posted. What do you do? (Select all that apply)",
            [
                ("Delete the post on all platforms", True),
                ("Inform the data protection officer without delay", True),
                ("Wait and see whether anyone complains", False),
                ("Write to the people affected yourself and ask for understanding", False),
            ],
            "Delete and report at once. The data protection team checks notification duties "
            "and handles communication with those affected.",
        ),
        _single(
            "Within what period must a company notify the supervisory authority of a notifiable personal data breach?",
            [
                ("Within 72 hours of becoming aware of it", True),
                ("Within 30 days", False),
                ("Within one year", False),
                ("Not at all, if the post has been deleted", False),
            ],
            "Art. 33 GDPR sets 72 hours. That is why reporting quickly to the data protection "
            "team matters so much; deleting alone does not replace it.",
        ),
    ],
)


TEMPLATES: dict[str, dict] = {
    template["key"]: template
    for template in (
        BRAND_VALUES_WORKSHOP_DE,
        BRAND_VALUES_WORKSHOP_EN,
        SOCIAL_MEDIA_GUIDELINE_DE,
        SOCIAL_MEDIA_GUIDELINE_EN,
        HEALTHCARE_ADVERTISING_RULES_DE,
        HEALTHCARE_ADVERTISING_RULES_EN,
        DATA_PROTECTION_BASICS_DE,
        DATA_PROTECTION_BASICS_EN,
    )
}


# ============================================================================================
# Guideline documents (body of POST /guidelines)
# ============================================================================================

_GUIDELINE_DE = """
# Richtlinie zur Nutzung sozialer Medien bei {Unternehmen}

*Betriebsvereinbarung zwischen {Unternehmen} und dem Betriebsrat, gültig ab {Datum}*

## § 1 Zweck und Geltungsbereich
Diese Richtlinie gilt für alle Beschäftigten von {Unternehmen}, wenn sie in sozialen Medien
(z. B. LinkedIn, XING, Instagram, Facebook, X, TikTok, YouTube) über {Unternehmen}, ihre
Tätigkeit, Kolleginnen und Kollegen, Kunden oder Produkte kommunizieren – unabhängig davon, ob
sie dafür private oder berufliche Accounts nutzen. Die private Nutzung sozialer Medien ohne
Bezug zum Unternehmen regelt sie nicht.

## § 2 Grundsätze
1. Die Teilnahme am Corporate-Influencer-Programm ist freiwillig. Aus einer Nichtteilnahme
   entstehen keine Nachteile.
2. Beschäftigte sprechen in eigenem Namen und machen kenntlich, dass sie ihre persönliche
   Meinung äußern.
3. Wir begegnen allen Menschen respektvoll und sachlich.

## § 3 Offizielle Kommunikation und Unternehmensaccounts
1. Für {Unternehmen} sprechen ausschließlich {Kommunikationsabteilung} und die von ihr
   benannten Personen. Das gilt insbesondere für Stellungnahmen, Geschäftszahlen, Presse- und
   Investorenthemen.
2. Accounts, Seiten und Gruppen im Namen von {Unternehmen}, einschließlich Standort-,
   Produkt- und Teamauftritten, dürfen nur mit Freigabe von {Kommunikationsabteilung}
   eröffnet werden. Sie werden zentral verwaltet; Zugangsdaten gehören dem Unternehmen.

## § 4 Kennzeichnung des Arbeitsverhältnisses
Wer über Produkte, Leistungen oder Stellenangebote von {Unternehmen} schreibt, legt im Beitrag
selbst offen, dort beschäftigt zu sein (z. B. „Ich arbeite bei {Unternehmen}“ oder
#Mitarbeiter). Es ist unzulässig, sich als unabhängige Kundin oder unabhängiger Kunde
auszugeben.

## § 5 Vertraulichkeit und Geschäftsgeheimnisse
1. Nicht veröffentlichte Informationen, insbesondere Zahlen, Preise, Projekte, Kunden- und
   Vertragsdaten, interne Dokumente und Bildschirminhalte, dürfen nicht veröffentlicht werden.
2. Der Verrat von Geschäftsgeheimnissen kann eine fristlose Kündigung rechtfertigen.
3. Im Zweifel ist vor der Veröffentlichung {Kommunikationsabteilung} zu fragen.

## § 6 Datenschutz und Rechte Dritter
Personenbezogene Daten und Bilder von Kolleginnen und Kollegen, Kunden, Patientinnen und
Patienten oder Geschäftspartnern werden nur mit deren Einwilligung veröffentlicht.
Screenshots interner Systeme sind nicht erlaubt. Urheber- und Markenrechte sind zu beachten.
Datenschutzvorfälle sind unverzüglich an {Datenschutz-Kontakt} zu melden.

## § 7 Grenzen der Meinungsfreiheit
Nicht von der Meinungsfreiheit gedeckt und untersagt sind Verleumdung und üble Nachrede,
Drohungen, Beleidigungen, bewusst unwahre Tatsachenbehauptungen sowie Äußerungen, die den
Betriebsfrieden stören.

## § 8 Branchenspezifische Regeln
Für Aussagen zu regulierten Produkten und Leistungen gelten zusätzlich {Branchenregeln}, etwa
das Heilmittelwerbegesetz oder aufsichtsrechtliche Vorgaben. Solche Inhalte werden nur aus der
freigegebenen Content-Bibliothek geteilt.

## § 9 Krisen und Anfragen
In Krisensituationen gilt ausschließlich die offizielle Position, die {Kommunikationsabteilung}
in der Content-Bibliothek bereitstellt. Presse- und Behördenanfragen werden an
{Krisenkontakt} weitergeleitet.

## § 10 Schulung
Vor der Teilnahme am Programm absolvieren Beschäftigte eine Schulung zu dieser Richtlinie. Die
Schulung wird jährlich aufgefrischt und gilt als Arbeitszeit.

## § 11 Keine Leistungs- und Verhaltenskontrolle
Daten aus dem Programm (z. B. Anzahl geteilter Beiträge, Reichweite, Punkte) werden nicht zur
Leistungs- oder Verhaltenskontrolle einzelner Beschäftigter verwendet. Auswertungen für das
Programm erfolgen aggregiert. Die Rechte des Betriebsrats bleiben unberührt.

## § 12 Verstöße
Verstöße gegen diese Richtlinie können arbeitsrechtliche Maßnahmen nach sich ziehen. Vor einer
Maßnahme wird die oder der Beschäftigte angehört.

## § 13 Ansprechpersonen und Inkrafttreten
Fragen beantworten {Kommunikationsabteilung} und {Datenschutz-Kontakt}. Diese Richtlinie tritt
am {Datum} in Kraft und wird spätestens nach zwei Jahren überprüft.
"""

_GUIDELINE_EN = """
# Social media policy of {Company}

*Works agreement between {Company} and the works council, effective from {Date}*

## § 1 Purpose and scope
This policy applies to all employees of {Company} when they communicate on social media (e.g.
LinkedIn, XING, Instagram, Facebook, X, TikTok, YouTube) about {Company}, their work,
colleagues, customers or products – whether they use private or professional accounts. It does
not govern private use of social media that has no connection to the company.

## § 2 Principles
1. Taking part in the corporate influencer program is voluntary. Not taking part leads to no
   disadvantage.
2. Employees speak in their own name and make clear that they are expressing their personal
   opinion.
3. We treat everyone with respect and stay factual.

## § 3 Official communication and company accounts
1. Only {Communications team} and the people it designates speak for {Company}. This applies in
   particular to statements, business figures, press and investor topics.
2. Accounts, pages and groups in {Company}’s name, including site, product and team presences,
   may only be opened with approval from {Communications team}. They are managed centrally;
   login credentials belong to the company.

## § 4 Disclosure of the employment relationship
Anyone writing about {Company}’s products, services or job openings discloses in the post itself
that they work there (e.g. “I work at {Company}” or #employee). Posing as an independent
customer is not permitted.

## § 5 Confidentiality and business secrets
1. Unpublished information – in particular figures, prices, projects, customer and contract
   data, internal documents and screen contents – must not be published.
2. Betraying business secrets can justify dismissal without notice.
3. If in doubt, ask {Communications team} before publishing.

## § 6 Data protection and third-party rights
Personal data and pictures of colleagues, customers, patients or business partners are only
published with their consent. Screenshots of internal systems are not allowed. Copyright and
trademark rights must be respected. Data protection incidents must be reported without delay
to {Data protection contact}.

## § 7 Limits of free speech
Defamation, threats, insults, knowingly false statements of fact and statements that disturb
the peace of the workplace are not protected by freedom of expression and are prohibited.

## § 8 Industry-specific rules
Statements about regulated products and services are additionally subject to {Industry rules},
such as the German Heilmittelwerbegesetz (healthcare advertising act) or financial supervisory
requirements. Such content is only shared from the approved content library.

## § 9 Crises and enquiries
In a crisis, only the official position provided by {Communications team} in the content
library applies. Press enquiries and enquiries from authorities are forwarded to
{Crisis contact}.

## § 10 Training
Before joining the program, employees complete training on this policy. The training is
refreshed annually and counts as working time.

## § 11 No monitoring of performance or behaviour
Data from the program (e.g. number of shared posts, reach, points) is not used to monitor the
performance or behaviour of individual employees. Program reports are aggregated. The rights
of the works council remain unaffected.

## § 12 Breaches
Breaches of this policy may lead to measures under employment law. The employee is heard before
any measure is taken.

## § 13 Contacts and entry into force
Questions are answered by {Communications team} and {Data protection contact}. This policy
enters into force on {Date} and is reviewed after two years at the latest.
"""

GUIDELINE_TEMPLATES: dict[str, dict] = {
    "social_media_guideline_de": {
        "key": "social_media_guideline_de",
        "guideline": {
            "title": "Richtlinie zur Nutzung sozialer Medien bei {Unternehmen}",
            "body": _text(_GUIDELINE_DE),
            "locale": "de",
        },
    },
    "social_media_guideline_en": {
        "key": "social_media_guideline_en",
        "guideline": {
            "title": "Social media policy of {Company}",
            "body": _text(_GUIDELINE_EN),
            "locale": "en",
        },
    },
}


# --------------------------------------------------------------------------------------------
# Access
# --------------------------------------------------------------------------------------------


def placeholders(value: Any) -> list[str]:
    """The ``{Placeholder}`` names used anywhere in a template (sorted, unique)."""
    found: set[str] = set()
    if isinstance(value, str):
        found.update(_PLACEHOLDER.findall(value))
    elif isinstance(value, dict):
        for item in value.values():
            found.update(placeholders(item))
    elif isinstance(value, list):
        for item in value:
            found.update(placeholders(item))
    return sorted(found)


def _summary(template: dict[str, Any]) -> dict[str, Any]:
    module = template["module"]
    return {
        "key": template["key"],
        "title": module["title"],
        "kind": module["kind"],
        "locale": module["locale"],
        "summary": module["summary"],
        "required": module["required"],
        "industries": list(template["industries"]),
        "lessons": len(module["lessons"]),
        "questions": len(module["quiz"]["questions"]),
        "placeholders": placeholders(module),
    }


def list_templates(industry: str | None = None) -> list[dict]:
    """Summaries of the module templates, optionally those suited to ``industry``.

    A template suits an industry it names; ``"generic"`` templates suit every industry.
    """
    return [
        _summary(template)
        for template in TEMPLATES.values()
        if industry is None or industry in template["industries"] or "generic" in template["industries"]
    ]


def get_template(key: str) -> dict | None:
    """A deep copy of one module template (safe to adapt), or None for an unknown key."""
    template = TEMPLATES.get(key)
    return copy.deepcopy(template) if template is not None else None


def get_guideline_template(key: str) -> dict | None:
    """A deep copy of one guideline document template, or None for an unknown key."""
    template = GUIDELINE_TEMPLATES.get(key)
    return copy.deepcopy(template) if template is not None else None
