from setuptools import setup

setup(name="example", install_requires=["chartmogul<3.0", "chartmogul-compat"])
