"""The points of DHS's *Countering Violent Extremism (CVE) Training Guidance and Best
Practices* that a CVE-related course is reviewed against, one question each.

Where they come from. The center's brief (``PRODUCT.md``, and the DHS fact sheet on the
role of fusion centers in countering violent extremism that seeds it) asks that any
CVE-related training offered follow that guidance, but does not list its points. They
were found with the project's reference search (stored public pages) in the guidance
itself, prepared by the DHS Office for Civil Rights and Civil Liberties with the
National Counterterrorism Center's inter-agency working group and circulated to grantees
as a FEMA Grant Programs Directorate information bulletin (No. 373, October 2011):
http://www.fema.gov/txt/government/grant/bulletins/373_cve_oct11.txt , and in its
companion sheet of "Do's and Don'ts" (DHS CRCL; a scanned copy is on Scribd as
"DHS-CRCL-CVE-Training-Dos-and-Donts"). The excerpts read there state the first goal
(trainers and training expert and well regarded: résumé, subject-specific experience,
feedback from agencies trained; a cultural background or police experience alone is not
a qualification), that training be accurate and based on current intelligence, that
objectives be focused, clear and matched to the audience's jobs, and that programmes not
go deep into religious doctrine; a city's summary of the guidance (Santa Ana public
records) adds sensitivity to constitutional values and civil rights and liberties and
avoiding stereotypes of people, culture or religion. Adherence to government training
standards and evaluation of the training follow issue 16's summary of the do's and
don'ts (the stored excerpts were cut short before them). The questions below
paraphrase; they do not quote.

Each point is data with a stable ``key``: answers are stored under the key, so a
question's wording can be improved without losing what reviewers answered. Add a point
with a new key; never reuse or rename a key.
"""

from __future__ import annotations

from dataclasses import dataclass

GUIDANCE_TITLE = "Countering Violent Extremism (CVE) Training Guidance and Best Practices"
GUIDANCE_SOURCE = (
    "DHS Office for Civil Rights and Civil Liberties, circulated as FEMA GPD Information "
    "Bulletin No. 373 (October 2011)"
)
GUIDANCE_URL = "http://www.fema.gov/txt/government/grant/bulletins/373_cve_oct11.txt"


@dataclass(frozen=True)
class CvePoint:
    key: str
    title: str
    question: str
    look_for: str  # what evidence usually answers it


CVE_POINTS: tuple[CvePoint, ...] = (
    CvePoint(
        "trainer_expertise",
        "Trainers' qualifications and expertise",
        "Are the trainers expert and well regarded in this subject (résumé, subject-specific "
        "teaching experience, references from agencies they trained)?",
        "Trainer résumés; feedback from other agencies; community and media references. A "
        "cultural background or police experience alone is not a qualification.",
    ),
    CvePoint(
        "civil_rights",
        "Constitutional values, civil rights and civil liberties",
        "Is the training sensitive to constitutional values and does it protect civil rights "
        "and civil liberties, including constitutionally protected activity?",
        "The curriculum's treatment of First Amendment activity, privacy and profiling; a "
        "CR-CL module or review.",
    ),
    CvePoint(
        "no_stereotyping",
        "No stereotyping of any religion, ethnicity or community",
        "Does the training avoid stereotyping or demonising any religion, ethnicity, national "
        "origin or community, and avoid treating religious observance as a sign of threat?",
        "Slides and handouts; how communities are described; examples used.",
    ),
    CvePoint(
        "accurate_current",
        "Accuracy and currency of content",
        "Is the content accurate, based on current intelligence and research, and kept up to date?",
        "Sources cited and their dates; when the material was last revised.",
    ),
    CvePoint(
        "behaviours_not_ideology",
        "Behaviours and indicators, not ideology or beliefs",
        "Does the training focus on behaviours and indicators of criminal activity rather than "
        "on ideology, religious doctrine or beliefs?",
        "The indicators taught; whether they are behaviours a person does, not views a person "
        "holds.",
    ),
    CvePoint(
        "government_standards",
        "Adherence to government training standards",
        "Does the training meet applicable government training standards (DHS and DOJ "
        "guidance, POST or state accreditation, the center's own standards)?",
        "Accreditation or certification; alignment with federal CVE and SAR guidance.",
    ),
    CvePoint(
        "objectives_audience",
        "Clear objectives matched to the audience",
        "Are the training's objectives focused and clear, and matched to the jobs of the "
        "officers who will attend?",
        "The course outline and learning objectives; the intended audience.",
    ),
    CvePoint(
        "evaluation",
        "Evaluation of the training",
        "Is the training evaluated (participant feedback, measured learning) and the "
        "evaluation used to improve it?",
        "Evaluation forms and results; what changed after the last evaluation.",
    ),
)

POINT_KEYS = tuple(p.key for p in CVE_POINTS)
POINTS_BY_KEY = {p.key: p for p in CVE_POINTS}
