"""Which training rows become each test row's in-context examples (AISBench path:
``openicl.icl_retriever``), and how they are written into one block.

A retriever here is built from its config keys alone (AISBench also hands it the dataset);
`retrieve` then picks example indices into the train split for every test row, and
`generate_ice` writes one row's examples with the ``ice_template``: joined by ``ice_separator``
and ended by ``ice_eos_token`` for string templates, as consecutive ``ice`` sections for meta
templates (which need no separators).
"""

from __future__ import annotations

from typing import Any

from pytest_aisbench.errors import ConfigError
from pytest_aisbench.openicl.icl_prompt_template import PromptTemplate
from pytest_aisbench.registry import ICL_RETRIEVERS
from pytest_aisbench.utils.prompt import PromptList, PromptType


class BaseRetriever:
    """Example picking and writing; subclasses implement `retrieve`."""

    def __init__(
        self, ice_separator: str = "\n", ice_eos_token: str = "\n", ice_num: int = 1
    ) -> None:
        self.ice_separator = ice_separator
        self.ice_eos_token = ice_eos_token
        self.ice_num = ice_num

    def retrieve(self, test_size: int, train_size: int) -> list[list[int]]:
        """For each of `test_size` test rows, the train-split indices of its examples."""
        raise NotImplementedError(f"{type(self).__name__} must implement retrieve()")

    def generate_ice(
        self,
        examples: list[dict[str, Any]],
        ice_template: PromptTemplate | None,
        output_column: str | None,
    ) -> PromptType:
        """The examples (train rows) written as one block for the prompt's ``ice_token``."""
        if not examples:
            return ""
        if ice_template is None:
            raise ConfigError(
                f"{type(self).__name__} picks in-context examples but infer_cfg has no "
                "ice_template to write them; add one, or use ZeroRetriever"
            )
        items = [
            ice_template.generate_ice_item(row, row.get(output_column) if output_column else None)
            for row in examples
        ]
        if isinstance(items[0], PromptList):
            block = PromptList()
            for item in items:
                block += item
            return block
        return self.ice_separator.join(str(item) for item in items) + self.ice_eos_token


@ICL_RETRIEVERS.register_module()
class ZeroRetriever(BaseRetriever):
    """No examples: zero-shot."""

    def __init__(self, ice_separator: str = "", ice_eos_token: str = "") -> None:
        super().__init__(ice_separator, ice_eos_token, 0)

    def retrieve(self, test_size: int, train_size: int) -> list[list[int]]:
        return [[] for _ in range(test_size)]


@ICL_RETRIEVERS.register_module()
class FixKRetriever(BaseRetriever):
    """The same train rows, `fix_id_list`, as every test row's examples."""

    def __init__(
        self,
        fix_id_list: list[int],
        ice_separator: str = "\n",
        ice_eos_token: str = "\n",
        ice_num: int = 1,
    ) -> None:
        super().__init__(ice_separator, ice_eos_token, ice_num)
        if not isinstance(fix_id_list, (list, tuple)) or not all(
            isinstance(i, int) and not isinstance(i, bool) for i in fix_id_list
        ):
            raise ConfigError(f"fix_id_list must be a list of ints, not {fix_id_list!r}")
        self.fix_id_list = list(fix_id_list)

    def retrieve(self, test_size: int, train_size: int) -> list[list[int]]:
        for index in self.fix_id_list:
            if not 0 <= index < train_size:
                raise ConfigError(
                    f"FixKRetriever: fix_id_list index {index} is out of the train split's "
                    f"range [0, {train_size})"
                )
        return [list(self.fix_id_list) for _ in range(test_size)]


@ICL_RETRIEVERS.register_module()
class RandomRetriever(BaseRetriever):
    """`ice_num` distinct train rows per test row, drawn with numpy from `seed` as AISBench
    draws them, so the same config gives the same examples here and there."""

    def __init__(
        self,
        ice_num: int = 1,
        seed: int = 43,
        ice_separator: str = "\n",
        ice_eos_token: str = "\n",
    ) -> None:
        super().__init__(ice_separator, ice_eos_token, ice_num)
        self.seed = seed

    def retrieve(self, test_size: int, train_size: int) -> list[list[int]]:
        import numpy as np

        if self.ice_num > train_size:
            raise ConfigError(
                f"RandomRetriever: ice_num={self.ice_num} is more than the train split's "
                f"{train_size} rows"
            )
        draws = np.random.RandomState(self.seed)
        return [
            [int(i) for i in draws.choice(train_size, self.ice_num, replace=False)]
            for _ in range(test_size)
        ]


__all__ = ["BaseRetriever", "FixKRetriever", "RandomRetriever", "ZeroRetriever"]
