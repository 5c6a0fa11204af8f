from rag.query import detect_language, keyword_query, language_neutral_terms


def test_detects_english_and_indonesian_questions():
    assert detect_language("Who did Kim meet on 18 July?") == "en"
    assert detect_language("What is the Latin name of the Sumatran tiger?") == "en"
    assert detect_language("Siapa yang memimpin delegasi Rusia?") == "id"
    assert detect_language("Apa nama latin dari harimau Sumatera?") == "id"
    assert detect_language("Krivoruchko") == "id"  # no evidence: the corpus language, full keyword query


def test_language_neutral_terms_keep_names_numbers_dates():
    assert language_neutral_terms("Who did Kim meet on 18 July?") == "Kim 18 July"
    assert language_neutral_terms("How many passengers were on flight GA-181?") == "GA 181"
    assert language_neutral_terms("What did the minister say?") == ""


def test_keyword_query_is_the_question_itself_for_indonesian():
    q = "Siapa yang memimpin delegasi Rusia?"
    assert keyword_query(q) == q
    assert keyword_query("Who led the Russian delegation to Pyongyang?") == "Russian Pyongyang"
