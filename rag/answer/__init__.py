"""Answering: from a question to a short, cited, checked Dutch answer (or an honest refusal).

    question.py       what is asked (type, topic words, names, a named fractie)
    followup.py       follow-ups made standalone by carrying the conversation's topic
    retrieval.py      the passages an answer is chosen from (plus a named fractie's blocks)
    candidates.py     candidate units: sentences and sentence pairs, never an instruction
    injection.py      instructions hidden in documents: recognised, never obeyed or quoted
    features.py       features of a unit against the question
    dense.py          sentence-vector similarity from the index, at no embedding cost
    selector.py       the learned selector (weights/selector.json)
    similarity.py     a learned weighting of the e5 dimensions, added to the selector (weights/similarity.json)
    answerability.py  does the selection answer what was asked? (weights/answerability.json)
    composer.py       the answer, answer first; refusals that say what is missing
    check.py          every part and model sentence checked against its source
    chain.py          the LangChain prompts and chains for model backends
    pipeline.py       the Answerer that ties it together
    train.py          `python -m rag.answer.train` refits the weights on the blind train split
"""

__all__ = ["Answerer", "QuestionTooLong", "get_answerer"]


def __getattr__(name: str):
    # Lazy, so importing one module of the package (rag.answer.check) does not import them all.
    if name in __all__:
        from rag.answer import pipeline

        return getattr(pipeline, name)
    raise AttributeError(f"module 'rag.answer' has no attribute {name!r}")
