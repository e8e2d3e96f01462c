from studio.prompts import CharacterText, ShotText, camera_phrase, compile_prompt, find_mentions

MARA = CharacterText(
    "Mara", "A woman in her forties, weathered face, grey wool coat, oilskin boots."
)
TOM = CharacterText("Old Tom", "A wiry man of seventy, white beard, navy fisherman's jumper.")


def test_it_follows_the_seed_formula_in_order():
    prompt = compile_prompt(
        ShotText(
            subject="@Mara",
            action="climbs the spiral stairs, lantern in hand",
            environment="inside the lighthouse tower, wet iron steps",
            lighting="cold moonlight through slit windows, warm lantern glow",
            shot_size="MS",
            angle="low",
            camera_move="push_in",
            lens_mm=35,
            style="Shot on 35mm film, anamorphic lens, subtle film grain",
        ),
        [MARA],
    )
    assert prompt == (
        "Mara climbs the spiral stairs, lantern in hand. "
        "Mara: A woman in her forties, weathered face, grey wool coat, oilskin boots. "
        "Inside the lighthouse tower, wet iron steps. "
        "Cold moonlight through slit windows, warm lantern glow. "
        "Low-angle medium shot, slow push in, 35 mm lens. "
        "Shot on 35mm film, anamorphic lens, subtle film grain."
    )


def test_it_inserts_each_character_description_word_for_word_in_every_shot():
    first = compile_prompt(ShotText(subject="Two figures", shot_size="WS"), [TOM, MARA])
    second = compile_prompt(
        ShotText(subject="@Old Tom", action="waits", lighting="dusk"), [TOM, MARA]
    )
    for prompt in (first, second):
        assert (
            "Mara: A woman in her forties, weathered face, grey wool coat, oilskin boots" in prompt
        )
        assert "Old Tom: A wiry man of seventy, white beard, navy fisherman's jumper" in prompt


def test_it_leaves_no_dangling_commas_or_spaces_for_empty_fields():
    prompt = compile_prompt(ShotText(subject="  the sea ,  ", lighting=" , ", shot_size="EWS"))
    assert prompt == "The sea. Extreme wide shot."
    assert compile_prompt(ShotText()) == ""


def test_it_normalises_whitespace_and_punctuation():
    prompt = compile_prompt(
        ShotText(subject="waves\n\n crash ,,  on   rocks ..", camera_move="static")
    )
    assert prompt == "Waves crash, on rocks. Static camera."


def test_it_is_deterministic():
    shot = ShotText(subject="a gull", action="hangs in the wind", angle="high", camera_move="drone")
    assert compile_prompt(shot, [MARA, TOM]) == compile_prompt(shot, [TOM, MARA])


def test_camera_phrase_reads_like_a_camera_note():
    assert (
        camera_phrase("CU", "dutch", "handheld", 85)
        == "dutch-angle close-up, handheld camera, 85 mm lens"
    )
    assert camera_phrase("", "", "", None) == ""


def test_it_finds_mentions_case_insensitively_preferring_the_longest_name():
    assert find_mentions("@old tom and @Mara at the rail", ["Mara", "Old Tom", "Tom"]) == {
        "Old Tom",
        "Mara",
    }
    assert find_mentions("email me at mara@example.com", ["Mara"]) == set()
