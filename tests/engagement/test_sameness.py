"""The sameness nudge's measure: near-identical texts are recognised, personalised ones are not."""

from engagement.posts.sameness import NEAR_IDENTICAL, shingles, similarity

CAPTION = "Unser neues Kniegelenk ist da: leichter, langlebiger und in Tuttlingen gefertigt. #Mitarbeiter #MedTech"


def test_a_copied_caption_with_a_tag_added_is_near_identical():
    assert similarity(shingles(CAPTION), shingles(CAPTION)) == 1.0
    assert similarity(shingles(CAPTION), shingles(CAPTION.upper() + " #stolz")) >= NEAR_IDENTICAL


def test_a_personal_text_about_the_same_item_is_not():
    personal = (
        "Drei Jahre habe ich im Team an diesem Kniegelenk mitgearbeitet – heute ist es da. Ich bin stolz! #Mitarbeiter"
    )
    assert similarity(shingles(CAPTION), shingles(personal)) < 0.3
    assert similarity(shingles("Hallo"), shingles("Tschüss")) == 0.0
