"""What pyproject.toml cannot say alone: the package list, so that the top-level data/ can ship in the wheel.

``find_namespace_packages`` finds course_utils and its subpackages (as ``packages.find`` did);
``course_utils._data`` is added by name because it lives outside the package tree (pyproject.toml maps it
to ``data/`` and includes every file under it). ``course_utils.data_location`` uses it when installed.
"""
from setuptools import find_namespace_packages, setup

setup(packages=find_namespace_packages(include=["course_utils*"], exclude=["*.__pycache__"]) + ["course_utils._data"])
