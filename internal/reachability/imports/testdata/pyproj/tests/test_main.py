import pytest

from app.main import load
